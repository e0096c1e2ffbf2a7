"""GraphQL surface of approvals: process definitions (admins), requests, decisions, delegation."""
