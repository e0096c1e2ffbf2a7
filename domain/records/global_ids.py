"""The API's global ids, for what leaves Tessera without going through GraphQL (webhook payloads,
HTTP calls of automations) and for references inside JSON the API shows (audit trail changes).

A global id is Relay's: base64 of "<GraphQL type>:<uuid>", the same string `node(id:)` takes.
Built-in kinds are their own GraphQL type; a custom object's records (whose api names are always
lower case) are CustomRecord."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from domain.records.naming import domain_name
from domain.records.spec import RecordSpec

# The GraphQL type of the rows a reference's table holds.
TYPE_OF_TABLE = {
    "membership": "User",
    "app_user": "User",
    "team": "Team",
    "customer": "Customer",
    "contact": "Contact",
    "lead": "Lead",
    "opportunity": "Opportunity",
    "ticket": "Ticket",
    "campaign": "Campaign",
    "pipeline": "Pipeline",
    "stage": "Stage",
    "activity": "Activity",
    "custom_record": "CustomRecord",
    "approval_process": "ApprovalProcess",
}


def global_id(kind: str, value: uuid.UUID | str) -> str:
    """The global id of the `kind` (a built-in type or a custom object's api name) with id `value`."""
    type_name = kind if kind[:1].isupper() else "CustomRecord"
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


def with_global_ids(spec: RecordSpec, values: dict[str, Any]) -> dict[str, Any]:
    """`values` (by field name; a value or an [old, new] pair) with the record's own `id` and
    every reference to another record or member as global ids; the rest unchanged."""
    result = dict(values)
    for name, value in values.items():
        type_name = _type_of(spec, name)
        if type_name is None or value is None:
            continue
        if isinstance(value, list):
            result[name] = [None if v is None else global_id(type_name, v) for v in value]
        else:
            result[name] = global_id(type_name, value)
    return result


def _type_of(spec: RecordSpec, name: str) -> str | None:
    name = domain_name(name)  # in either spelling: audit entries before 0039, client documents
    if name == "id":
        return spec.record_type
    if not spec.has(name):
        return None
    reference = spec.field(name).references
    return None if reference is None else TYPE_OF_TABLE.get(reference.table)
