"""The GraphQL surface: ASGI app, schema, per-area packages, auth, permissions, error mapping."""
