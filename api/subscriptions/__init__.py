"""GraphQL subscriptions over WebSocket (graphql-transport-ws): the connection and its credential
(session.py, connection.py), the process's listener for the relay's announcements (hub.py), the
subscription fields (schema.py) and the per-event transaction their payloads resolve in
(execution.py). See docs/frontend.md."""
