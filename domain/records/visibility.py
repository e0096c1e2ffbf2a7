"""Which owned records a role may see: the SQL behind the rules in docs/permissions.md."""

from __future__ import annotations

from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from tenants.context import current_tenant_id

# Roles that also see what the members of their teams own.
_SEES_TEAM_MEMBERS_RECORDS = {Role.MANAGER, Role.VIEWER}


def readable_sql(
    principal: Principal, spec: RecordSpec, params: Params, alias: str = "t"
) -> list[str]:
    """What every read of `spec` requires of row `alias`: the current tenant, not deleted, visible."""
    clauses = [f"{alias}.tenant_id = {params.add(current_tenant_id())}"]
    if spec.soft_delete:
        clauses.append(f"{alias}.deleted_at IS NULL")
    visible = visibility_sql(principal, spec, params, alias)
    if visible:
        clauses.append(visible)
    return clauses


def visibility_sql(
    principal: Principal, spec: RecordSpec, params: Params, alias: str = "t"
) -> str | None:
    """A predicate limiting `alias` to the records `principal` may see; None means all of them."""
    return owned_visibility_sql(principal, params, alias) if spec.owned else None


def owned_visibility_sql(principal: Principal, params: Params, alias: str = "t") -> str | None:
    """The visibility predicate for an owned table (owner_id, team_id)."""
    if principal.role is Role.ADMIN:
        return None
    tenant = params.add(principal.tenant_id)
    me = params.add(principal.user_id)
    # Teams the caller belongs to or manages; a deleted team grants nothing (its member rows stay,
    # so that restoring it brings them back).
    my_teams = (
        f"(SELECT m.team_id FROM team_member m JOIN team t ON t.tenant_id = m.tenant_id AND t.id = m.team_id "
        f"AND t.deleted_at IS NULL WHERE m.tenant_id = {tenant} AND m.user_id = {me} "
        f"UNION SELECT id FROM team WHERE tenant_id = {tenant} AND manager_id = {me} AND deleted_at IS NULL)"
    )
    clauses = [
        f"{alias}.owner_id = {me}",
        f"{alias}.team_id IN {my_teams}",
        # Unassigned records form the shared pool that anyone allowed to read the object can claim.
        f"({alias}.owner_id IS NULL AND {alias}.team_id IS NULL)",
    ]
    if principal.role in _SEES_TEAM_MEMBERS_RECORDS:
        clauses.append(
            f"{alias}.owner_id IN (SELECT user_id FROM team_member WHERE tenant_id = {tenant} "
            f"AND team_id IN {my_teams})"
        )
    return "(" + " OR ".join(clauses) + ")"
