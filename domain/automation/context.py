"""The context an action runs in, and the pieces several actions share: `{{field}}` templates
and the users an action's `to` names."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from domain.automation.targets import owner_field
from domain.errors import DomainError
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
    event_id: uuid.UUID | None = (
        None  # the event the run answers: with the rule and step, a key for outside effects
    )
    step: int = 0  # the index of the action being run
    dry_run: bool = False  # a test of the rule: nothing may leave the database

    @property
    def effect_key(self) -> uuid.UUID:
        """The same for every attempt and redelivery of this step of this run: receivers of
        emails and HTTP calls use it to drop repeats."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"tessera:{self.rule_id}:{self.event_id}:{self.step}")


def render(template: str, values: dict[str, Any]) -> str:
    """`{{field}}` placeholders replaced by the record's values."""
    return re.sub(
        r"\{\{\s*([\w.]+)\s*\}\}",
        lambda m: "" if values.get(m.group(1)) is None else str(values[m.group(1)]),
        template,
    )


# Whom other areas let actions name in `to` (plugged in at start-up, tessera/domain_wiring.py),
# e.g. approvals' "approvers": the current approvers of the record's pending approval request.
Recipients = Callable[[Context], Awaitable[list[uuid.UUID]]]
_PLUGGED: dict[str, Recipients] = {}


def plug_recipients(name: str, find: Recipients) -> None:
    _PLUGGED[name] = find


def plugged_recipients() -> tuple[str, ...]:
    return tuple(_PLUGGED)


class NoRecipients(DomainError):
    """An action's `to` resolves to nobody: the step fails with the reason instead of doing nothing."""


async def recipients(ctx: Context, action: dict[str, Any]) -> list[uuid.UUID]:
    """The users an action's `to` names: owner (a ticket's assignee), owner_manager (the managers
    of the owner's teams), actor, users (userIds) or a plugged name; NoRecipients when that is nobody."""
    to = action["to"]
    if to in _PLUGGED:
        return _someone(await _PLUGGED[to](ctx), f"the {ctx.record_type} has no {to} now")
    if to == "users":
        found = [uuid.UUID(str(u)) for u in action.get("userIds") or []]
        return _someone(found, "no userIds are listed")
    if to == "actor":
        return _someone(
            [ctx.actor_id] if ctx.actor_id else [],
            "the change has no actor (a time-based or system change)",
        )
    field = owner_field(ctx.record_type)
    owner = ctx.values.get(field)
    if owner is None:
        return _someone(
            [], f"the {ctx.record_type} has no {'assignee' if field == 'assigneeId' else 'owner'}"
        )
    if to == "owner":
        return [uuid.UUID(str(owner))]
    rows = await tenant_connection().execute_query_dict(  # the managers of the owner's teams
        "SELECT DISTINCT t.manager_id FROM team t JOIN team_member m ON m.tenant_id = t.tenant_id AND m.team_id = t.id "
        "WHERE t.tenant_id = $1 AND m.user_id = $2 AND t.deleted_at IS NULL AND t.manager_id IS NOT NULL",
        [current_tenant_id(), owner],
    )
    return _someone(
        [row["manager_id"] for row in rows],
        f"no team of the {ctx.record_type}'s {field[:-2]} has a manager",
    )


def _someone(users: list[uuid.UUID], why_nobody: str) -> list[uuid.UUID]:
    if not users:
        raise NoRecipients(f"nobody to reach: {why_nobody}")
    return users
