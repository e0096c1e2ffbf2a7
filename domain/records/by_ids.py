"""Rows by id, for `node(id:)` and `nodes(ids:)`: one statement for many ids, inside the current
tenant, with the same rights and visibility as the list that shows them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from domain.identity.principal import Principal
from domain.records.rights import Action
from domain.records.rows import decode_row
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from tenants.context import current_tenant_id, tenant_connection

Row = dict[str, Any]


async def rows_by_ids(
    table: str,
    ids: Sequence[uuid.UUID],
    *,
    where: str = "",
    params: Sequence[Any] = (),
    decode: Callable[[Row], Row] | None = None,
) -> dict[uuid.UUID, Row]:
    """The rows of `table` among `ids` in the current tenant that also meet `where` (whose
    placeholders start at $3, filled from `params`), by id; `decode` converts each row."""
    rows = await tenant_connection().execute_query_dict(
        f"SELECT * FROM {table} WHERE tenant_id = $1 AND id = ANY($2::uuid[])"
        + (f" AND ({where})" if where else ""),
        [current_tenant_id(), list(ids), *params],
    )
    return {row["id"]: decode(row) if decode else row for row in rows}


async def spec_rows_by_ids(
    spec: RecordSpec, ids: Sequence[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, Row]:
    """Whole rows (as the area's own list reads them) of a spec's table among `ids` that the
    principal may read: its read right, not deleted, visible."""
    spec.require(principal, Action.READ)
    params = Params()
    where = readable_sql(principal, spec, params)
    where.append(f"t.id = ANY({params.add(list(ids))}::uuid[])")
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.* FROM {spec.table} t WHERE {' AND '.join(where)}", params.values
    )
    return {row["id"]: decode_row(spec, row) for row in rows}
