"""Rights to read, create, update and delete records, declared per record type on its RecordSpec
(the matrix in docs/permissions.md), plus API token scopes per object family."""

from __future__ import annotations

from enum import Enum

from domain.errors import Forbidden
from domain.identity.principal import Principal
from domain.identity.roles import Role


class Action(str, Enum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


READ_ONLY = frozenset({Action.READ})
READ_CREATE = frozenset({Action.READ, Action.CREATE})
READ_WRITE = frozenset({Action.READ, Action.CREATE, Action.UPDATE})
ALL = frozenset(Action)

Rights = dict[Role, frozenset[Action]]


def require(
    principal: Principal, record_type: str, area: str | None, rights: Rights, action: Action
) -> None:
    """Forbidden unless the caller's role has the right and its token (if any) the scope."""
    if action not in rights.get(principal.role, frozenset()):
        raise Forbidden(f"Your role may not {action.value} {record_type} records")
    if area is None:
        return  # reached only through a record whose own rights were checked
    scope = f"{area}:{'read' if action is Action.READ else 'write'}"
    if not principal.allows(scope):
        raise Forbidden(f"This token lacks the {scope!r} scope")
