"""Authentication area: login/refresh/logout, `me`, partner API tokens."""
