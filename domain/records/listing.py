"""Listing records: tenant, visibility, filter, ordering and a keyset page in one statement, with
the total count as a second statement run only when asked for."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidInput
from domain.identity.principal import Principal
from domain.records.field_access import field_rules, hidden_keys, strip_hidden, visible_spec
from domain.records.filters import Filter, compile_filter
from domain.records.includes import Include, included_rows, plan_joins
from domain.records.ordering import (
    Order,
    after_sql,
    cursor_encoder,
    decode_cursor,
    order_by_sql,
    resolve,
    reverse,
)
from domain.records.rights import Action
from domain.records.rows import decode_row
from domain.records.search import search_sql
from domain.records.spec import FieldSpec, RecordSpec
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from tenants.context import fetch_values, tenant_connection


@dataclass
class Listing:
    rows: list[dict[str, Any]]
    cursor: Callable[[dict[str, Any]], str]  # computed only for the rows a client asks about
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]]
    # For each Include asked for: {id: row, or None when it is missing or not visible}.
    related: dict[Include, dict[uuid.UUID, dict[str, Any] | None]] = field(default_factory=dict)


def _where(
    spec: RecordSpec,
    principal: Principal,
    filter: Filter | None,
    scope: dict[str, Any],
    params: Params,
    search: str | None = None,
    leave_out: Sequence[str] = (),
) -> list[str]:
    clauses = readable_sql(principal, spec, params)
    if search is not None:
        clauses.append(search_sql(spec, search, params, leave_out=leave_out))
    for column, value in scope.items():
        clauses.append(f"t.{column} = {params.add(value)}")
    if filter is not None:
        clauses.append(compile_filter(spec, filter, params))
    return clauses


@dataclass
class PageStatement:
    """The statement of a page of records (its rows and the included relations' columns, one
    look-ahead row more than the page, backward pages in reverse), and what reading it needs."""

    sql: str
    values: list[Any]
    count_sql: str  # the total count, with the first `count_values` parameters
    count_values: list[Any]
    ordering: Any
    scan: Any  # the order the statement reads in (the reverse of `ordering` for backward pages)
    rules: Any  # the caller's field rules on the record type
    joined: list[Any]  # domain.records.includes.Joined, in the order of their columns
    joined_columns: list[str]  # the included relations' column expressions
    where: list[str]
    joins: list[str]


async def page_statement(
    spec: RecordSpec,
    *,
    principal: Principal,
    filter: Filter | None = None,
    order: list[Order] | None = None,
    first: int,
    after: str | None = None,
    scope: dict[str, Any] | None = None,
    search: str | None = None,
    include: Sequence[Include] = (),
    before: str | None = None,
    backward: bool = False,
) -> PageStatement:
    """The one statement behind `list_records` (see there), not run."""
    spec.require(principal, Action.READ)
    rules = await field_rules(principal, spec.record_type)
    readable = visible_spec(spec, rules)  # what the caller may filter and sort on
    ordering = resolve(readable, order)
    params = Params()
    where = _where(
        readable,
        principal,
        filter,
        scope or {},
        params,
        search,
        hidden_keys(spec, rules, spec.search_values),
    )
    count_sql = f"SELECT count(*) AS n FROM {spec.table} t WHERE {' AND '.join(where)}"
    count_values = list(params.values)
    if after is not None:
        where.append(after_sql(ordering, decode_cursor(ordering, after), params))
    if before is not None:
        before_values = decode_cursor(ordering, before, argument="before")
        where.append(after_sql(reverse(ordering), before_values, params))
    joined, joins, joined_columns = await plan_joins(include, principal, params)
    # A backward page reads the list in reverse from its end (or from `before`), then turns round.
    scan = reverse(ordering) if backward else ordering
    sql = (
        f"SELECT {', '.join([spec.select_list, *joined_columns])} FROM {spec.table} t {' '.join(joins)} "
        # The limit is written out, not a parameter: a plan for "some limit" costs like reading
        # everything, so PostgreSQL would plan every execution anew instead of reusing one plan.
        f"WHERE {' AND '.join(where)} ORDER BY {order_by_sql(scan)} LIMIT {int(first) + 1}"
    )
    return PageStatement(
        sql,
        params.values,
        count_sql,
        count_values,
        ordering,
        scan,
        rules,
        joined,
        joined_columns,
        where,
        joins,
    )


async def list_log(
    spec: RecordSpec,
    *,
    principal: Principal,
    newest: str,
    where: dict[str, Any],
    first: int,
    after: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """A page of a log (requests received, webhook deliveries, sync entries), newest first by the
    `newest` column, pinned to the columns of `where` whose value is given (None: no filter)."""
    return await list_records(
        spec,
        principal=principal,
        order=[Order(newest, descending=True)],
        scope={column: value for column, value in where.items() if value is not None},
        first=first,
        after=after,
        before=before,
        backward=backward,
    )


async def list_records(
    spec: RecordSpec,
    *,
    principal: Principal,
    filter: Filter | None = None,
    order: list[Order] | None = None,
    first: int,
    after: str | None = None,
    scope: dict[str, Any] | None = None,
    search: str | None = None,
    include: Sequence[Include] = (),
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """A page of `spec`'s records the principal may see; `scope` pins columns (e.g. customer_id),
    `search` matches words (or their beginnings) in the record's searchable text, and `include`
    names to-one relations read in the same statement (in `Listing.related`).

    The page holds the first `first` records after the `after` cursor and before the `before`
    one, or with `backward` the last `first` of them (still in the list's order)."""
    page = await page_statement(
        spec,
        principal=principal,
        filter=filter,
        order=order,
        first=first,
        after=after,
        scope=scope,
        search=search,
        include=include,
        before=before,
        backward=backward,
    )
    fetched = await fetch_values(page.sql, page.values)
    more = len(fetched) > first
    records = fetched[:first]
    if backward:
        records.reverse()
    columns = spec.columns
    # A record is the row's columns followed by the included records' columns: zip stops at ours.
    rows = strip_hidden(
        spec,
        page.rules,
        [decode_row(spec, dict(zip(columns, record, strict=False))) for record in records],
    )
    conn = tenant_connection()
    count_sql, count_values = page.count_sql, page.count_values

    async def count() -> int:
        total: int = (await conn.execute_query_dict(count_sql, count_values))[0]["n"]
        return total

    return Listing(
        rows=rows,
        cursor=cursor_encoder(page.ordering),
        has_next=before is not None if backward else more,
        has_previous=more if backward else after is not None,
        count=count,
        related=included_rows(page.joined, rows, records, len(columns)),
    )


MAX_GROUPS = 100


async def count_by(
    spec: RecordSpec,
    *,
    principal: Principal,
    field: str,
    filter: Filter | None = None,
    scope: dict[str, Any] | None = None,
) -> list[tuple[Any, int]]:
    """How many of the records the principal may see (and `filter` keeps) have each value of
    `field`: the most frequent MAX_GROUPS values, the missing value included as None."""
    spec.require(principal, Action.READ)
    rules = await field_rules(principal, spec.record_type)
    readable = visible_spec(spec, rules)
    if not readable.has(field) or not readable.field(field).sortable:
        raise InvalidInput.single("field", "NOT_GROUPABLE", f"{field} cannot be counted by")
    params = Params()
    where = _where(readable, principal, filter, scope or {}, params)
    value = readable.field(field).sql("t")
    rows = await tenant_connection().execute_query_dict(
        f"SELECT {value} AS value, count(*) AS n FROM {spec.table} t WHERE {' AND '.join(where)} "
        f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {MAX_GROUPS}",
        params.values,
    )
    return [(row["value"], row["n"]) for row in rows]


async def list_grouped(
    spec: RecordSpec,
    *,
    principal: Principal,
    group_column: str | FieldSpec,
    group_ids: list[uuid.UUID],
    first: int,
    order: list[Order] | None = None,
    scope: dict[str, Any] | None = None,
    after: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> dict[uuid.UUID, Listing]:
    """A page of records for each of many parents in one statement (nested connections without
    N+1): a window function numbers each parent's rows. The parent is a uuid column, or a field
    holding an id inside JSONB (a custom relation). The page is chosen as list_records chooses
    it (`after`, `before`, `backward`), within each parent's records."""
    spec.require(principal, Action.READ)
    rules = await field_rules(principal, spec.record_type)
    ordering = resolve(spec, order)
    params = Params()
    where = _where(spec, principal, None, scope or {}, params)
    in_json = isinstance(group_column, FieldSpec)
    group_sql = (
        group_column.sql("t") if isinstance(group_column, FieldSpec) else f"t.{group_column}"
    )
    keys = [str(i) for i in group_ids] if in_json else list(group_ids)
    where.append(f"{group_sql} = ANY({params.add(keys)}::{'text' if in_json else 'uuid'}[])")
    # The count is of each parent's whole list, so it is taken before the cursors narrow it.
    count_sql = f"count(*) OVER (PARTITION BY {group_sql})"
    cursors = []
    if after is not None:
        cursors.append(after_sql(ordering, decode_cursor(ordering, after), params))
    if before is not None:
        before_values = decode_cursor(ordering, before, argument="before")
        cursors.append(after_sql(reverse(ordering), before_values, params))
    in_page = " AND ".join(cursors) or "TRUE"
    order_sql = order_by_sql(reverse(ordering) if backward else ordering)
    limit = params.add(first + 1)
    sql = (
        # The page's rows come first in each parent's numbering; a parent with none still sends
        # its first row (not in the page), which carries the parent's count.
        f"SELECT * FROM (SELECT {spec.select_list}, {group_sql} AS _group, ({in_page}) AS _in_page, "
        f"row_number() OVER (PARTITION BY {group_sql} ORDER BY ({in_page}) DESC, {order_sql}) "
        f"AS _position, {count_sql} AS _total "
        f"FROM {spec.table} t WHERE {' AND '.join(where)}) ranked "
        f"WHERE (_in_page AND _position <= {limit}) OR _position = 1 ORDER BY _group, _position"
    )
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = {group_id: [] for group_id in group_ids}
    totals: dict[uuid.UUID, int] = {}
    for row in await tenant_connection().execute_query_dict(sql, params.values):
        group = row.pop("_group")
        group = uuid.UUID(group) if isinstance(group, str) else group
        totals[group] = row.pop("_total")
        row.pop("_position")
        if row.pop("_in_page"):
            grouped[group].append(strip_hidden(spec, rules, [decode_row(spec, row)])[0])

    encode = cursor_encoder(ordering)

    def listing(group_id: uuid.UUID, rows: list[dict[str, Any]]) -> Listing:
        async def count() -> int:
            return totals.get(group_id, 0)

        more = len(rows) > first
        page = rows[:first]
        if backward:
            page.reverse()
            return Listing(page, encode, before is not None, more, count)
        return Listing(page, encode, more, after is not None, count)

    return {group_id: listing(group_id, rows) for group_id, rows in grouped.items()}


async def get_records(
    spec: RecordSpec, ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The records among `ids` that exist and the principal may see, by id (one statement)."""
    spec.require(principal, Action.READ)
    params = Params()
    where = _where(spec, principal, None, {}, params)
    where.append(f"t.id = ANY({params.add(list(ids))}::uuid[])")
    rows = await tenant_connection().execute_query_dict(
        f"SELECT {spec.select_list} FROM {spec.table} t WHERE {' AND '.join(where)}", params.values
    )
    rules = await field_rules(principal, spec.record_type)
    return {
        row["id"]: row for row in strip_hidden(spec, rules, [decode_row(spec, row) for row in rows])
    }
