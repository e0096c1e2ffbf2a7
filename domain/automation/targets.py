"""What rules act on: any standard or custom record, read as {field: value} by API field names and
changed through the same write flows as every other change (validation, rights, audit, events)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from domain.crm.contacts import CONTACT_SPEC, create_contacts, update_contacts, validate_contact
from domain.crm.customers import (
    CUSTOMER_SPEC,
    create_customers,
    update_customers,
    validate_customer,
)
from domain.crm.leads import LEAD_SPEC, create_leads, update_leads, validate_lead
from domain.crm.opportunities import (
    OPPORTUNITY_SPEC,
    create_opportunities,
    update_opportunities,
    validate_opportunity,
)
from domain.crm.tickets import TICKET_SPEC, create_tickets, update_tickets, validate_ticket
from domain.custom import records as custom_records
from domain.custom.metadata import load_object, record_spec
from domain.errors import FieldError, NotFound
from domain.identity.principal import Principal
from domain.records import service
from domain.records.naming import client_keys, client_name, domain_name
from domain.records.rows import decode_row
from domain.records.service import Change
from domain.records.spec import CUSTOM_FIELDS_PREFIX, Kind, RecordSpec
from tenants.context import current_tenant_id, tenant_connection

# Each returns its type's rows (domain/crm/rows.py); here only their ids are read.
CREATE: dict[str, Callable[..., Awaitable[Sequence[Mapping[str, Any]]]]] = {
    "Customer": create_customers,
    "Contact": create_contacts,
    "Lead": create_leads,
    "Opportunity": create_opportunities,
    "Ticket": create_tickets,
}
# The types whose create is the record service's alone (no placing in a pipeline, no clocks):
# imports create them with service.create in batches larger than an API bulk call.
PLAIN_CREATE = {
    "Customer": CUSTOMER_SPEC,
    "Contact": CONTACT_SPEC,
    "Lead": LEAD_SPEC,
}
VALIDATE = {
    "Customer": validate_customer,
    "Contact": validate_contact,
    "Lead": validate_lead,
    "Opportunity": validate_opportunity,
    "Ticket": validate_ticket,
}
STANDARD = {
    spec.record_type: (spec, update)
    for spec, update in (
        (CUSTOMER_SPEC, update_customers),
        (CONTACT_SPEC, update_contacts),
        (LEAD_SPEC, update_leads),
        (OPPORTUNITY_SPEC, update_opportunities),
        (TICKET_SPEC, update_tickets),
    )
}


def owner_field(record_type: str) -> str:
    """The field holding a record's owner: ownerId, or assigneeId on tickets. Rules' `owner`
    (notify, send_email, create_task, assign_owner) means this field."""
    if record_type in STANDARD:
        return client_name(STANDARD[record_type][0].name_of("owner_id"))
    return "ownerId"


async def spec_of(record_type: str) -> RecordSpec:
    """The spec of a standard type or a custom object's records; NotFound for anything else."""
    if record_type in STANDARD:
        return STANDARD[record_type][0]
    return record_spec(await load_object(record_type))


async def record_values(record_type: str, record_id: uuid.UUID) -> dict[str, Any] | None:
    """The record's current values by API field name (custom fields of standard records as
    customFields.<name>), or None if it is gone."""
    spec = await spec_of(record_type)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT {spec.select_list} FROM {spec.table} t WHERE t.tenant_id = $1 AND t.id = $2",
        [current_tenant_id(), record_id],
    )
    return values_of_row(spec, rows[0]) if rows else None


def values_of_row(spec: RecordSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """A row of `spec.select_list` as {field: value}, as record_values gives it."""
    row = decode_row(spec, raw)
    values = {
        spec.name_of(column): value
        for column, value in row.items()
        if column not in ("data", "custom_fields")
    }
    values.update(
        {CUSTOM_FIELDS_PREFIX + k: v for k, v in (row.get("custom_fields") or {}).items()}
    )
    values.update(row.get("data") or {})
    values["deleted"] = row.get("deleted_at") is not None
    # Rules, inbound mappings and webhook payloads are the client's documents: GraphQL's names.
    return client_keys(values)


async def update_values(
    record_type: str, record_id: uuid.UUID, values: dict[str, Any], *, principal: Principal
) -> None:
    """Change fields of a record through its type's write flow (no version: rules act on the
    record as it is now)."""
    if record_type in STANDARD:
        change = Change(id=record_id, version=None, values=_standard_item(values))
        await STANDARD[record_type][1](principal=principal, changes=[change])
        return
    await custom_records.update_records(
        principal=principal, changes=[(record_id, None, _custom_item(values, creating=False))]
    )


def _standard_item(values: dict[str, Any]) -> dict[str, Any]:
    """A standard write's input from {field: value} as rules name fields (`stageId`,
    `customFields.<name>`): the domain's names, custom values under custom_fields."""
    values = {domain_name(k): v for k, v in values.items()}
    item = {k: v for k, v in values.items() if not k.startswith(CUSTOM_FIELDS_PREFIX)}
    custom = {
        k[len(CUSTOM_FIELDS_PREFIX) :]: v
        for k, v in values.items()
        if k.startswith(CUSTOM_FIELDS_PREFIX)
    }
    if custom:
        item["custom_fields"] = custom
    return item


def _custom_item(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """A custom record write's input from {field: value}: owner and team beside the values."""
    item = {domain_name(k): v for k, v in values.items() if k in ("ownerId", "teamId")}
    custom = {k: v for k, v in values.items() if k not in ("ownerId", "teamId")}
    if custom or creating:
        item["values"] = custom
    return item


# Values of the right kind standing in for ones known only later (see check_values).
_STAND_INS = {
    Kind.TEXT: "x",
    Kind.INT: 1,
    Kind.DECIMAL: Decimal(1),
    Kind.BOOL: True,
    Kind.DATE: date(2000, 1, 1),
    Kind.DATETIME: datetime(2000, 1, 1, tzinfo=timezone.utc),
    Kind.UUID: uuid.UUID(int=0),
    Kind.TEXT_ARRAY: [],
    Kind.JSON: {},
}


async def check_values(
    record_type: str,
    values: dict[str, Any],
    *,
    principal: Principal,
    creating: bool,
    later: frozenset[str] = frozenset(),
) -> list[FieldError]:
    """The field errors that writing `values` to a new record (or to an existing one) of the type
    would meet, found now without writing: configuration that writes records later (rule actions,
    inbound mappings) is checked with it when saved, so it cannot fail on every run. Names in
    `later` get their values only then (a payload path, a `{{field}}` placeholder): they count as
    given, and only whether they may be written at all is checked. Errors are named by field
    (`sourceChannel`, `emails.0`, `customFields.tier`); a new record's missing required fields too."""
    spec = await spec_of(record_type)
    given = {
        name: _stand_in(spec, name) if name in later else value for name, value in values.items()
    }
    if record_type in STANDARD:
        errors = await service.check_input(
            spec,
            _standard_item(given),
            principal=principal,
            validate=VALIDATE[record_type],
            creating=creating,
        )
    else:
        errors = await custom_records.check_input(
            principal=principal,
            object_name=record_type,
            item=_custom_item(given, creating=creating),
            creating=creating,
        )
    kept = []
    for error in (FieldError(client_name(e.field), e.code, e.message) for e in errors):
        name = next(
            (n for n in values if error.field == n or error.field.startswith(n + ".")), None
        )
        if name is None and not creating:
            continue  # an update: only what it sets matters
        if name in later and error.code not in ("UNKNOWN_FIELD", "READ_ONLY"):
            continue  # about the stand-in, not the value that will come
        kept.append(error)
    return kept


def _stand_in(spec: RecordSpec, name: str) -> Any:
    if name in ("ownerId", "teamId"):
        return uuid.UUID(int=0)
    name = domain_name(name)
    return _STAND_INS[spec.field(name).kind] if spec.has(name) and name != "custom_fields" else "x"


async def field_names(record_type: str) -> set[str] | None:
    """The fields a record of the type has, by API name (custom fields of standard records come
    as customFields.<name>, not listed); None for an unknown type."""
    if record_type in STANDARD:
        return {client_name(f.name) for f in STANDARD[record_type][0].fields}
    try:
        obj = await load_object(record_type)
    except NotFound:
        return None
    return {f.api_name for f in obj.live_fields} | {"ownerId", "teamId"}


async def known_type(record_type: str) -> bool:
    try:
        await spec_of(record_type)
    except NotFound:
        return False
    return True


async def create_values(
    record_type: str, values: dict[str, Any], *, principal: Principal
) -> uuid.UUID:
    """Create a record of a standard type or custom object through its write flow; its id."""
    if record_type in CREATE:
        created: uuid.UUID = (
            await CREATE[record_type](principal=principal, items=[_standard_item(values)])
        )[0]["id"]
        return created
    _, rows = await custom_records.create_records(
        principal=principal, object_name=record_type, items=[_custom_item(values, creating=True)]
    )
    record_id: uuid.UUID = rows[0]["id"]
    return record_id
