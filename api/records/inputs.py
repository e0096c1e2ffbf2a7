"""Turning create/update inputs into the domain's `{fieldName: value}`: fields left out are absent
(unchanged), explicit nulls clear, and references arrive as checked UUIDs."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from strawberry import UNSET, relay

from api.records.ids import decode_id
from api.records.names import camel as _camel

# Which type of global id each reference field takes.
REFERENCE_TYPES = {
    "ownerId": "User",
    "managerId": "User",
    "memberIds": "User",
    "assigneeId": "User",
    "teamId": "Team",
    "customerId": "Customer",
    "contactId": "Contact",
    "primaryContactId": "Contact",
    "pipelineId": "Pipeline",
    "stageId": "Stage",
    "campaignId": "Campaign",
    "leadId": "Lead",
    "allowedNextStageIds": "Stage",
}


def values_of(
    data: Any, *, skip: tuple[str, ...] = ("id", "version"), prefix: str = ""
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in dataclasses.fields(data):
        given = getattr(data, field.name)
        name = _camel(field.name)
        if given is UNSET or name in skip:
            continue
        values[name] = _plain(name, given, prefix)
    return values


def _plain(name: str, value: Any, prefix: str) -> Any:
    if isinstance(value, Enum):  # the domain speaks the enum's text
        return value.value
    if isinstance(value, relay.GlobalID):
        return decode_id(value, expected=REFERENCE_TYPES.get(name, name), field=prefix + name)
    if isinstance(value, list):
        return [_plain(name, item, prefix) for item in value]
    if dataclasses.is_dataclass(value):
        return values_of(value, skip=(), prefix=f"{prefix}{name}.")
    return value
