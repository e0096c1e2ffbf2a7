"""Campaigns: where leads and opportunities come from, for attribution."""

from __future__ import annotations

from typing import Any

from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.rights import ALL, READ_ONLY
from domain.records.spec import COMMON_FIELDS, FieldSpec, Kind, RecordSpec
from domain.records.validation import Checker

CHANNELS = frozenset({"WEB_FORM", "ADS", "SOCIAL", "EVENT", "REFERRAL", "EMAIL", "WECOM", "OTHER"})

CAMPAIGN_SPEC = RecordSpec(
    record_type="Campaign",
    table="campaign",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("channel", "channel", Kind.TEXT, sortable=True),
        FieldSpec("cost", "cost", Kind.DECIMAL, sortable=True),
        FieldSpec("starts_on", "starts_on", Kind.DATE, sortable=True),
        FieldSpec("ends_on", "ends_on", Kind.DATE, sortable=True),
    ),
    owned=False,
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: ALL,
        Role.MEMBER: READ_ONLY,
        Role.AGENT: READ_ONLY,
        Role.VIEWER: READ_ONLY,
    },
)


def validate_campaign(check: Checker) -> None:
    check.text("name", required=True, max_length=200)
    check.text("channel", required=True, choices=CHANNELS)
    check.decimal("cost", minimum=0)
    check.date("starts_on")
    check.date("ends_on")
    starts, ends = check.values.get("starts_on"), check.values.get("ends_on")
    if starts and ends and ends < starts:
        check.error("ends_on", "BEFORE_START", "endsOn must not be before startsOn")


async def create_campaigns(
    *, principal: Principal, items: list[dict[str, Any]], bulk: bool = False
) -> list[dict[str, Any]]:
    return await service.create(
        CAMPAIGN_SPEC, items, principal=principal, validate=validate_campaign, bulk=bulk
    )


async def update_campaigns(
    *, principal: Principal, changes: list[service.Change], bulk: bool = False
) -> list[dict[str, Any]]:
    return await service.update(
        CAMPAIGN_SPEC, changes, principal=principal, validate=validate_campaign, bulk=bulk
    )
