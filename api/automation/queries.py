"""Queries of automation: rules, the run log and the caller's notifications."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.automation.types import AutomationRuleType, AutomationRunType, NotificationType
from api.permissions import AUTHENTICATED, principal_of
from api.records.ids import decode_id
from api.records.pagination import Connection, listing_connection, page_of
from domain.automation import log, rules

AUTH = AUTHENTICATED


@strawberry.type
class AutomationQueries:
    @strawberry.field(**AUTH, description="The tenant's automation rules, optionally of one object")
    async def automation_rules(
        self, info: Info, object: str | None = None
    ) -> list[AutomationRuleType]:
        return [
            AutomationRuleType.from_row(r)
            for r in await rules.list_rules(principal=principal_of(info), object_name=object)
        ]

    @strawberry.field(**AUTH, description="What rules did, newest first (admins and managers)")
    async def automation_runs(
        self,
        info: Info,
        rule_id: relay.GlobalID | None = None,
        status: str | None = None,
        record_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AutomationRunType]:
        listing = await log.page_runs(
            principal=principal_of(info),
            rule_id=decode_id(rule_id, expected="AutomationRule", field="ruleId")
            if rule_id
            else None,
            status=status,
            record_id=_record_uuid(record_id),
            **page_of(first, after, last, before).listing_args(),
        )
        return listing_connection(listing, AutomationRunType.from_row)

    @strawberry.field(**AUTH, description="The caller's notifications, newest first")
    async def notifications(
        self,
        info: Info,
        unread_only: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[NotificationType]:
        listing = await log.page_notifications(
            principal=principal_of(info),
            unread_only=unread_only,
            **page_of(first, after, last, before).listing_args(),
        )
        return listing_connection(listing, NotificationType.from_row)


def _record_uuid(value: strawberry.ID | None) -> uuid.UUID | None:
    """A raw UUID or any global id."""
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.UUID(relay.GlobalID.from_id(str(value)).node_id)
