"""Members' routing facts (away dates, skills), set by admins and managers, and the choice of the
members who can take work now."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.tenant_settings import current_settings
from tenants.context import current_tenant_id, tenant_connection

MAX_SKILLS = 50
MAX_SKILL_LENGTH = 100


@dataclass(frozen=True)
class RoutingFacts:
    user_id: uuid.UUID
    away_from: dt.date | None = None
    away_until: dt.date | None = None
    skills: tuple[str, ...] = ()

    def away_on(self, day: dt.date) -> bool:
        if self.away_from is None and self.away_until is None:
            return False
        return (self.away_from is None or self.away_from <= day) and (
            self.away_until is None or day <= self.away_until
        )

    def handles(self, category: str) -> bool:
        wanted = category.strip().lower()
        return any(skill.lower() == wanted for skill in self.skills)


def _facts(row: dict[str, Any]) -> RoutingFacts:
    return RoutingFacts(
        row["user_id"], row["away_from"], row["away_until"], tuple(row["skills"] or ())
    )


async def list_routing(user_ids: list[uuid.UUID] | None = None) -> list[RoutingFacts]:
    """The routing facts of the tenant's members (of `user_ids` only, when given), in user id order;
    members without any have none listed."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM member_routing WHERE tenant_id = $1 AND ($2::uuid[] IS NULL OR user_id = ANY($2::uuid[])) "
        "ORDER BY user_id",
        [current_tenant_id(), user_ids],
    )
    return [_facts(row) for row in rows]


async def set_routing(
    *,
    principal: Principal,
    user_id: uuid.UUID,
    away_from: dt.date | None,
    away_until: dt.date | None,
    skills: list[str],
) -> RoutingFacts:
    """Set a member's away dates and skills (admins and managers; anyone for themselves)."""
    if user_id != principal.user_id and not principal.has_role(Role.ADMIN, Role.MANAGER):
        raise Forbidden("Only admins and managers set other members' routing")
    errors: list[FieldError] = []
    if away_from and away_until and away_from > away_until:
        errors.append(
            FieldError("awayUntil", "BEFORE_START", "the last day away is on or after the first")
        )
    if len(skills) > MAX_SKILLS:
        errors.append(FieldError("skills", "TOO_MANY", f"at most {MAX_SKILLS} skills"))
    cleaned: list[str] = []
    for index, skill in enumerate(skills[:MAX_SKILLS]):
        text = skill.strip()
        if not 1 <= len(text) <= MAX_SKILL_LENGTH or "\x00" in text:
            errors.append(
                FieldError(f"skills.{index}", "LENGTH", f"1 to {MAX_SKILL_LENGTH} characters")
            )
        elif text.lower() not in {s.lower() for s in cleaned}:
            cleaned.append(text)
    if errors:
        raise InvalidInput(errors)
    member = await tenant_connection().execute_query_dict(
        "SELECT 1 FROM membership WHERE tenant_id = $1 AND user_id = $2",
        [current_tenant_id(), user_id],
    )
    if not member:
        raise NotFound("no such member")
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO member_routing (tenant_id, user_id, away_from, away_until, skills) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (tenant_id, user_id) DO UPDATE SET away_from = $3, away_until = $4, skills = $5, updated_at = now() "
        "RETURNING *",
        [current_tenant_id(), user_id, away_from, away_until, cleaned],
    )
    return _facts(rows[0])


async def eligible(
    members: list[uuid.UUID],
    *,
    category: str | None = None,
    by_skill: bool = False,
    now: dt.datetime | None = None,
) -> list[uuid.UUID]:
    """The members not away today (the tenant's date), in the order given; with `by_skill` and a
    category, those of them handling it, unless none does."""
    today = (now or dt.datetime.now(dt.UTC)).astimezone((await current_settings()).zone()).date()
    facts = {f.user_id: f for f in await list_routing(members)}
    available = [m for m in members if m not in facts or not facts[m].away_on(today)]
    if by_skill and category:
        skilled = [m for m in available if m in facts and facts[m].handles(category)]
        if skilled:
            return skilled
    return available
