"""The context an action runs in, and the pieces several actions share: `{{field}}` templates
and the users an action's `to` names."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from domain.identity.principal import Principal
from tenants.context import current_tenant_id, tenant_connection


@dataclass(frozen=True)
class Context:
    rule_id: uuid.UUID
    record_type: str
    record_id: uuid.UUID
    values: dict[str, Any]  # the record's values when the run started
    actor_id: uuid.UUID | None  # who made the change that triggered the rule
    principal: Principal  # whom the rule acts as
    event_id: uuid.UUID | None = None  # the event the run answers: with the rule and step, a key for outside effects
    step: int = 0  # the index of the action being run
    dry_run: bool = False  # a test of the rule: nothing may leave the database

    @property
    def effect_key(self) -> uuid.UUID:
        """The same for every attempt and redelivery of this step of this run: receivers of
        emails and HTTP calls use it to drop repeats."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"tessera:{self.rule_id}:{self.event_id}:{self.step}")


def render(template: str, values: dict[str, Any]) -> str:
    """`{{field}}` placeholders replaced by the record's values."""
    return re.sub(r"\{\{\s*([\w.]+)\s*\}\}", lambda m: "" if values.get(m.group(1)) is None else str(values[m.group(1)]),
                  template)


async def recipients(ctx: Context, action: dict[str, Any]) -> list[uuid.UUID]:
    """The users an action's `to` names: owner, owner_manager, actor or users (userIds)."""
    to = action["to"]
    if to == "users":
        return [uuid.UUID(str(u)) for u in action.get("userIds") or []]
    if to == "actor":
        return [ctx.actor_id] if ctx.actor_id else []
    owner = ctx.values.get("ownerId")
    if owner is None:
        return []
    if to == "owner":
        return [owner]
    rows = await tenant_connection().execute_query_dict(  # the managers of the owner's teams
        "SELECT DISTINCT t.manager_id FROM team t JOIN team_member m ON m.tenant_id = t.tenant_id AND m.team_id = t.id "
        "WHERE t.tenant_id = $1 AND m.user_id = $2 AND t.deleted_at IS NULL AND t.manager_id IS NOT NULL",
        [current_tenant_id(), owner])
    return [row["manager_id"] for row in rows]
