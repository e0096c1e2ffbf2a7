"""What rules act on: any standard or custom record, read as {field: value} by API field names and
changed through the same write flows as every other change (validation, rights, audit, events)."""

from __future__ import annotations

import uuid
from typing import Any

from domain.crm.contacts import CONTACT_SPEC, create_contacts, update_contacts
from domain.crm.customers import CUSTOMER_SPEC, create_customers, update_customers
from domain.crm.leads import LEAD_SPEC, create_leads, update_leads
from domain.crm.opportunities import OPPORTUNITY_SPEC, create_opportunities, update_opportunities
from domain.crm.tickets import TICKET_SPEC, create_tickets, update_tickets
from domain.custom import records as custom_records
from domain.custom.metadata import load_object, record_spec
from domain.errors import NotFound
from domain.identity.principal import Principal
from domain.records.rows import decode_row
from domain.records.service import Change
from domain.records.spec import CUSTOM_FIELDS_PREFIX, RecordSpec
from tenants.context import current_tenant_id, tenant_connection

CREATE = {
    "Customer": create_customers, "Contact": create_contacts, "Lead": create_leads,
    "Opportunity": create_opportunities, "Ticket": create_tickets,
}
STANDARD = {
    spec.record_type: (spec, update) for spec, update in (
        (CUSTOMER_SPEC, update_customers), (CONTACT_SPEC, update_contacts), (LEAD_SPEC, update_leads),
        (OPPORTUNITY_SPEC, update_opportunities), (TICKET_SPEC, update_tickets),
    )
}


def owner_field(record_type: str) -> str:
    """The field holding a record's owner: ownerId, or assigneeId on tickets. Rules' `owner`
    (notify, send_email, create_task, assign_owner) means this field."""
    if record_type in STANDARD:
        return STANDARD[record_type][0].name_of("owner_id")
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
        [current_tenant_id(), record_id])
    return values_of_row(spec, rows[0]) if rows else None


def values_of_row(spec: RecordSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """A row of `spec.select_list` as {field: value}, as record_values gives it."""
    row = decode_row(spec, raw)
    values = {spec.name_of(column): value for column, value in row.items() if column not in ("data", "custom_fields")}
    values.update({CUSTOM_FIELDS_PREFIX + k: v for k, v in (row.get("custom_fields") or {}).items()})
    values.update(row.get("data") or {})
    values["deleted"] = row.get("deleted_at") is not None
    return values


async def update_values(record_type: str, record_id: uuid.UUID, values: dict[str, Any], *, principal: Principal) -> None:
    """Change fields of a record through its type's write flow (no version: rules act on the
    record as it is now)."""
    if record_type in STANDARD:
        change = Change(id=record_id, version=None, values=_standard_item(values))
        await STANDARD[record_type][1](principal=principal, changes=[change])
        return
    item = {k: v for k, v in values.items() if k in ("ownerId", "teamId")}
    custom = {k: v for k, v in values.items() if k not in ("ownerId", "teamId")}
    if custom:
        item["values"] = custom
    await custom_records.update_records(principal=principal, changes=[(record_id, None, item)])


def _standard_item(values: dict[str, Any]) -> dict[str, Any]:
    """A standard write's input from {field: value}: customFields.<name> entries go under customFields."""
    item = {k: v for k, v in values.items() if not k.startswith(CUSTOM_FIELDS_PREFIX)}
    custom = {k[len(CUSTOM_FIELDS_PREFIX):]: v for k, v in values.items() if k.startswith(CUSTOM_FIELDS_PREFIX)}
    if custom:
        item["customFields"] = custom
    return item


async def field_names(record_type: str) -> set[str] | None:
    """The fields a record of the type has, by API name (custom fields of standard records come
    as customFields.<name>, not listed); None for an unknown type."""
    if record_type in STANDARD:
        return {f.name for f in STANDARD[record_type][0].fields}
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


async def create_values(record_type: str, values: dict[str, Any], *, principal: Principal) -> uuid.UUID:
    """Create a record of a standard type or custom object through its write flow; its id."""
    if record_type in CREATE:
        return (await CREATE[record_type](principal=principal, items=[_standard_item(values)]))[0]["id"]
    item = {k: v for k, v in values.items() if k in ("ownerId", "teamId")}
    item["values"] = {k: v for k, v in values.items() if k not in ("ownerId", "teamId")}
    _, rows = await custom_records.create_records(principal=principal, object_name=record_type, items=[item])
    return rows[0]["id"]
