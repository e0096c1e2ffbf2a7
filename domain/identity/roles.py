"""Built-in roles and API token scopes. What each role may do is declared where it is used."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"
    AGENT = "agent"
    VIEWER = "viewer"


# Scopes name an area and an access level; `<area>:write` includes `<area>:read`.
SCOPE_AREAS = ("crm", "tickets", "admin")
SCOPES = frozenset(f"{area}:{level}" for area in SCOPE_AREAS for level in ("read", "write"))


def scope_grants(granted: frozenset[str], wanted: str) -> bool:
    """Whether a set of granted scopes allows `wanted`."""
    if wanted in granted:
        return True
    area, _, level = wanted.partition(":")
    return level == "read" and f"{area}:write" in granted
