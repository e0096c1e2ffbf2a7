"""Permission classes declared on fields: `permission_classes=[Authenticated, require(...)]`."""

from __future__ import annotations

from typing import Any, TypedDict

from strawberry.permission import BasePermission
from strawberry.types import Info

from api.errors import ApiError, ErrorCode
from domain.identity.principal import Principal
from domain.identity.roles import Role


def principal_of(info: Info) -> Principal:
    principal = info.context.principal
    if principal is None:
        raise ApiError(ErrorCode.UNAUTHENTICATED, "Authentication required")
    return principal


class Authenticated(BasePermission):
    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal_of(info)
        return True


def check_access(principal: Principal, *, roles: tuple[Role, ...], scope: str) -> None:
    """FORBIDDEN unless the caller's role is among `roles` and its token (if any) has `scope`."""
    if not principal.has_role(*roles):
        raise ApiError(ErrorCode.FORBIDDEN, "Your role does not allow this")
    if not principal.allows(scope):
        raise ApiError(ErrorCode.FORBIDDEN, f"This token lacks the {scope!r} scope")


def require(*roles: Role, scope: str) -> type[BasePermission]:
    """A permission class for callers with one of `roles`; API tokens also need `scope`."""

    class Required(BasePermission):
        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            check_access(principal_of(info), roles=roles, scope=scope)
            return True

    Required.__name__ = f"Require_{'_'.join(r.value for r in roles)}_{scope.replace(':', '_')}"
    return Required


ADMIN_READ = require(Role.ADMIN, scope="admin:read")


class FieldPermissions(TypedDict):
    """Keyword arguments of `strawberry.field` that type-check when unpacked (`**AUTHENTICATED`)."""

    permission_classes: list[type[BasePermission]]


AUTHENTICATED: FieldPermissions = {"permission_classes": [Authenticated]}
