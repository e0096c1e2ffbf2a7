"""Integrations: external ids, inbound endpoints (webhooks and forms) and, later, outgoing
webhooks and sync connectors."""
