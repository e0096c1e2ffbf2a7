"""Two-way sync with external systems through connectors (see docs/integrations.md)."""
