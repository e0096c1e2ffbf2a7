"""GraphQL and HTTP surface of integrations: inbound endpoints, their request log, and the
/hooks and /forms routes that receive."""
