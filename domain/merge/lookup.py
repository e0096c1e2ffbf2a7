"""Reading records that were merged into another (mergeRecords keeps them soft-deleted with
`merged_into`), so that a client holding a merged record's id learns where it went. Visibility
is the same as for live records: what the caller could see were the record live."""

from __future__ import annotations

import uuid
from typing import Any

from domain.custom.metadata import STANDARD_OBJECTS, load_object_by_id, record_spec
from domain.errors import Forbidden
from domain.identity.principal import Principal
from domain.records.field_access import field_rules, strip_hidden
from domain.records.rights import Action
from domain.records.rows import decode_row
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from domain.records.visibility import visibility_sql
from tenants.context import current_tenant_id, tenant_connection

MERGEABLE_TABLES = frozenset(
    {*(STANDARD_OBJECTS[t].table for t in ("Customer", "Contact", "Lead")), "custom_record"}
)


async def merged_records(
    spec: RecordSpec, ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The records among `ids` merged into another that the principal may see, by id, each with
    its `merged_into` (one statement)."""
    if not ids or spec.table not in MERGEABLE_TABLES:
        return {}
    spec.require(principal, Action.READ)
    params = Params()
    clauses = [
        f"t.tenant_id = {params.add(current_tenant_id())}",
        f"t.id = ANY({params.add(list(ids))}::uuid[])",
        "t.deleted_at IS NOT NULL",
        "t.merged_into IS NOT NULL",
    ]
    visible = visibility_sql(principal, spec, params)
    if visible:
        clauses.append(visible)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT {spec.select_list}, t.merged_into FROM {spec.table} t WHERE {' AND '.join(clauses)}",
        params.values,
    )
    rules = await field_rules(principal, spec.record_type)
    shown = strip_hidden(spec, rules, [decode_row(spec, row) for row in rows])
    return {row["id"]: row for row in shown}


async def merged_custom_records(
    *, principal: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[Any, dict[str, Any]]]:
    """As merged_records, for custom records of any object: (object, row) by id."""
    if not ids:
        return {}
    objects = await tenant_connection().execute_query_dict(
        "SELECT DISTINCT object_id FROM custom_record WHERE tenant_id = $1 AND id = ANY($2::uuid[]) "
        "AND merged_into IS NOT NULL",
        [current_tenant_id(), ids],
    )
    found: dict[uuid.UUID, tuple[Any, dict[str, Any]]] = {}
    for row in objects:
        obj = await load_object_by_id(row["object_id"])
        if obj.deleted:
            continue
        try:
            records = await merged_records(record_spec(obj), ids, principal=principal)
        except Forbidden:
            continue
        found.update({record_id: (obj, record) for record_id, record in records.items()})
    return found
