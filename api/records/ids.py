"""Relay global ids to record UUIDs, with clear errors for the wrong kind of id."""

from __future__ import annotations

import uuid
from typing import Any

from strawberry import relay

from domain.errors import InvalidInput
from domain.records.spec import RecordSpec


def decode_id(
    value: relay.GlobalID | str, *, expected: str | tuple[str, ...], field: str
) -> uuid.UUID:
    """The UUID inside a global id of one of the `expected` types; BAD_USER_INPUT otherwise."""
    expected_types = (expected,) if isinstance(expected, str) else expected
    try:
        global_id = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
        if global_id.type_name not in expected_types:
            raise ValueError(global_id.type_name)
        return uuid.UUID(global_id.node_id)
    except (ValueError, TypeError) as exc:
        raise InvalidInput.single(
            field, "INVALID_ID", f"{field} must be the id of a {' or '.join(expected_types)}"
        ) from exc


def decode_record_id(
    value: relay.GlobalID, specs: dict[str, RecordSpec], *, field: str
) -> tuple[RecordSpec, uuid.UUID]:
    """The record type and UUID of a global id that must name one of `specs` (by type name)."""
    spec = specs.get(value.type_name)
    if spec is None:
        raise InvalidInput.single(
            field, "INVALID_ID", f"{field} must be the id of a {', '.join(specs)}"
        )
    return spec, decode_id(value, expected=spec.record_type, field=field)


def encode_id(type_name: str, value: uuid.UUID) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(value))


def node_global_id(kind: str, value: uuid.UUID | str) -> relay.GlobalID:
    """The global id `node()` answers for what the domain names by kind and id: built-in kinds
    (Customer, Ticket, WebhookEndpoint...) are their own GraphQL type; a custom object's api name
    (always lower case) names a CustomRecord."""
    return relay.GlobalID(kind if kind[:1].isupper() else "CustomRecord", str(value))


# Types whose global ids may appear as values in tenant-defined configuration (a record's
# customerId, a lead's campaignId, a rule's condition on ownerId, ...).
_ID_TYPES = {
    "Customer",
    "Contact",
    "Lead",
    "Opportunity",
    "Ticket",
    "Campaign",
    "Pipeline",
    "Stage",
    "Team",
    "User",
    "CustomRecord",
}


def raw_ids(values: dict[str, Any]) -> dict[str, Any]:
    """`...Id` values given as global ids, as the UUIDs records store (others unchanged)."""
    return {key: raw_id(value) if key.endswith("Id") else value for key, value in values.items()}


def raw_id(value: Any) -> Any:
    """The UUID (as text) inside a global id of a record type; anything else unchanged (and
    refused later, where it is checked, if it is not an id)."""
    if not isinstance(value, str):
        return value
    try:
        global_id = relay.GlobalID.from_id(value)
    except (ValueError, TypeError):
        return value
    return global_id.node_id if global_id.type_name in _ID_TYPES else value
