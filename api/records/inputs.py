"""Turning create/update inputs into the domain's `{field_name: value}` (strawberry's attribute
names are the domain's snake_case ones): fields left out are absent (unchanged), explicit nulls
clear, and references arrive as checked UUIDs."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from strawberry import UNSET, relay

from api.names import camel, domain_field
from api.records.ids import decode_id

# Which type of global id each reference field takes.
REFERENCE_TYPES = {
    "owner_id": "User",
    "manager_id": "User",
    "member_ids": "User",
    "assignee_id": "User",
    "team_id": "Team",
    "customer_id": "Customer",
    "contact_id": "Contact",
    "primary_contact_id": "Contact",
    "pipeline_id": "Pipeline",
    "stage_id": "Stage",
    "campaign_id": "Campaign",
    "lead_id": "Lead",
    "allowed_next_stage_ids": "Stage",
}

# Inputs whose values name fields (a stage's required fields): in the domain's names.
NAMING_FIELDS = frozenset({"required_fields"})


def values_of(
    data: Any, *, skip: tuple[str, ...] = ("id", "version"), prefix: str = ""
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in dataclasses.fields(data):
        given = getattr(data, field.name)
        name = field.name.rstrip("_")
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
    if name in NAMING_FIELDS and isinstance(value, str):
        return domain_field(value)
    if dataclasses.is_dataclass(value):
        # A nested input is a document kept in the client's shape (a customer's address, like the
        # values of ADDRESS custom fields: {postalCode: ...}).
        nested = values_of(value, skip=(), prefix=f"{prefix}{name}.")
        return {camel(key): item for key, item in nested.items()}
    return value
