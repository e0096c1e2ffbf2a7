"""Rollup fields: COUNT, SUM, MIN, MAX or AVG over the records of a custom object that point at the
record through a relation field (e.g. a customer's total contract amount). The value is stored on
the parent, so it can be filtered and sorted on, and recomputed in the same transaction whenever a
child is created, changed, moved to another parent, deleted or restored.

Correct under concurrency: the parents are locked (in id order) before their children are
aggregated, and under READ COMMITTED the aggregate statement then sees every child committed by
the writer that held the lock before us."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from domain.custom.fieldtypes import FieldDef, FieldType
from domain.custom.metadata import ObjectDef, field_from_row, load_object, values_table
from domain.custom.specs import FIELD_SPEC
from domain.errors import FieldError, NotFound
from domain.records.rows import decode_row
from tenants.context import current_tenant_id, tenant_connection

FUNCTIONS = ("COUNT", "SUM", "MIN", "MAX", "AVG")
NUMERIC = frozenset(
    {
        FieldType.INTEGER,
        FieldType.DECIMAL,
        FieldType.CURRENCY,
        FieldType.PERCENT,
        FieldType.RATING,
        FieldType.FORMULA,
    }
)


async def check_rollup(field: FieldDef, parent: str, errors: list[FieldError]) -> None:
    """A rollup's settings: child object, its relation to `parent`, function and child field."""
    function = field.setting("function")
    if function not in FUNCTIONS:
        errors.append(
            FieldError("config.function", "INVALID_CHOICE", f"one of {', '.join(FUNCTIONS)}")
        )
    try:
        child = await load_object(str(field.setting("childObject")))
    except NotFound:
        errors.append(
            FieldError("config.childObject", "NOT_FOUND", "childObject must name a custom object")
        )
        return
    relation = child.field(str(field.setting("relationField")))
    if (
        relation is None
        or relation.deleted
        or relation.type is not FieldType.RELATION
        or relation.setting("target") != parent
    ):
        errors.append(
            FieldError(
                "config.relationField",
                "INVALID_RELATION",
                f"relationField must be a relation of {child.api_name} to {parent}",
            )
        )
    if function != "COUNT":
        source = child.field(str(field.setting("field")))
        if (
            source is None
            or source.deleted
            or source.type not in NUMERIC
            or source.kind.value != "decimal"
        ):
            errors.append(
                FieldError(
                    "config.field",
                    "INVALID_FIELD",
                    f"field must be a number field of {child.api_name}",
                )
            )


def _value_sql(child: ObjectDef, rollup: FieldDef) -> str:
    """The aggregate over children `c` (names are validated api names)."""
    function = rollup.setting("function")
    if function == "COUNT":
        return "count(*)"
    source = child.field(rollup.setting("field"))
    assert source is not None, "a rollup's field is checked when the rollup is defined"
    path = "{" + ",".join(source.path) + "}"
    return f"{function.lower()}((c.data #>> '{path}')::numeric)"


class _Holder:
    """Where a rollup's values live: a custom object's records, or a standard table's custom fields."""

    def __init__(self, object_id: uuid.UUID | None, standard: str | None) -> None:
        self.object_id, self.standard = object_id, standard

    @property
    def table(self) -> tuple[str, str]:
        return values_table(self.object_id, self.standard)


async def _rollups_over(child: ObjectDef) -> list[tuple[FieldDef, _Holder]]:
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM custom_field WHERE tenant_id = $1 AND field_type = 'ROLLUP' AND deleted_at IS NULL "
        "AND config->>'childObject' = $2",
        [current_tenant_id(), child.api_name],
    )
    return [
        (
            field_from_row(decode_row(FIELD_SPEC, row)),
            _Holder(row["object_id"], row["standard_object"]),
        )
        for row in rows
    ]


async def refresh_rollups(
    child: ObjectDef, before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> None:
    """Recompute the rollups over `child` for every parent the changed children pointed at before
    or point at now (`before` / `after`: the children's values)."""
    for rollup, owner in await _rollups_over(child):
        relation = rollup.setting("relationField")
        parents = sorted(
            {uuid.UUID(v[relation]) for v in (*before, *after) if v and v.get(relation)}
        )
        if parents:
            await _recompute(child, rollup, owner, parents)


async def _recompute(
    child: ObjectDef, rollup: FieldDef, owner: _Holder, parents: list[uuid.UUID]
) -> None:
    conn = tenant_connection()
    tenant = current_tenant_id()
    table, column = owner.table
    # Lock the parents first (in id order, so two writers never wait on each other in a cycle).
    await conn.execute_query(
        f"SELECT id FROM {table} WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE",
        [tenant, parents],
    )
    relation = rollup.setting("relationField")
    rows = await conn.execute_query_dict(
        f"SELECT c.data->>'{relation}' AS parent, {_value_sql(child, rollup)} AS value FROM custom_record c "
        f"WHERE c.tenant_id = $1 AND c.object_id = $2 AND c.deleted_at IS NULL AND c.data->>'{relation}' = ANY($3::text[]) "
        "GROUP BY 1",
        [tenant, child.id, [str(p) for p in parents]],
    )
    found = {uuid.UUID(row["parent"]): row["value"] for row in rows}
    values = [json.dumps(_stored(rollup, found.get(parent))) for parent in parents]
    await conn.execute_query(
        f"UPDATE {table} t SET {column} = CASE WHEN v.value = 'null' THEN t.{column} - $4 "
        f"ELSE jsonb_set(t.{column}, ARRAY[$4], v.value::jsonb) END "
        "FROM unnest($2::uuid[], $3::text[]) AS v(id, value) WHERE t.tenant_id = $1 AND t.id = v.id",
        [tenant, parents, values, rollup.api_name],
    )


def with_empty_rollups(fields: tuple[FieldDef, ...], values: dict[str, Any]) -> dict[str, Any]:
    """A new parent's rollups: it has no children yet (count 0, sum 0, the others empty)."""
    result = dict(values)
    for field in fields:
        if (
            field.type is FieldType.ROLLUP
            and not field.deleted
            and _stored(field, None) is not None
        ):
            result[field.api_name] = _stored(field, None)
    return result


def _stored(rollup: FieldDef, value: Any) -> Any:
    function = rollup.setting("function")
    if function == "COUNT":
        return int(value or 0)
    if value is None:
        return "0.00" if function == "SUM" else None
    places = int(rollup.setting("decimalPlaces", 2))
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


async def backfill_rollup(
    rollup: FieldDef, object_id: uuid.UUID | None, standard: str | None
) -> None:
    """Compute a new or changed rollup for every parent that has children, and the empty value
    for the others."""
    child = await load_object(rollup.setting("childObject"))
    owner = _Holder(object_id, standard)
    table, _ = owner.table
    scope = " AND object_id = $2" if object_id else ""
    rows = await tenant_connection().execute_query_dict(
        f"SELECT id FROM {table} WHERE tenant_id = $1{scope} ORDER BY id",
        [current_tenant_id(), *([object_id] if object_id else [])],
    )
    ids = [row["id"] for row in rows]
    for start in range(0, len(ids), 1000):
        await _recompute(child, rollup, owner, ids[start : start + 1000])
