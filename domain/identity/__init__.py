"""Users, memberships, roles, sessions and API tokens."""
