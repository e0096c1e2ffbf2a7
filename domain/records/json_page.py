"""A page of records answered as JSON built by PostgreSQL, in the page's own statement.

The caller describes the JSON it wants as a template (objects, the page's rows, columns of each
row and of its included relations, the total count...); `page_json` wraps the very statement
`list_records` runs (same tenant, visibility, filter, order, keyset and joins: `page_statement`)
in one that builds that JSON with `json_build_object` / `json_agg`, so no row is decoded in
Python. Values come out as the API would write them (decimals and dates as text, timestamps as
ISO 8601 in UTC, encoded ids); a value the template marks `required` that is null makes the
statement answer None instead, and the caller then takes its ordinary path, whose answer (an
error) is the reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.identity.principal import Principal
from domain.records.filters import Filter
from domain.records.includes import Include
from domain.records.listing import PageStatement, page_statement
from domain.records.ordering import Order, order_by_sql
from domain.records.spec import RecordSpec
from tenants.context import fetch_values

# How a column's value is written: as JSON makes it, or as text of one of these shapes.
PLAIN, TEXT, DATE, TIMESTAMP, ENCODED_ID = "plain", "text", "date", "timestamp", "encoded_id"
# json_build_object takes at most 100 arguments (PostgreSQL's limit on a function's arguments).
MAX_KEYS = 50
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Column:
    """A column of the listed record, or of the related row `include` names."""

    column: str
    format: str = PLAIN
    prefix: str = ""  # ENCODED_ID: base64(prefix + id), relay's global id when prefix is "Type:"
    required: bool = False
    include: Include | None = None


@dataclass(frozen=True)
class Related:
    """The related row of `include` as `value`, or null when it is missing, deleted or hidden."""

    include: Include
    value: Obj
    required: bool = False


@dataclass(frozen=True)
class Const:
    value: str


@dataclass(frozen=True)
class Rows:
    """The page's records, each as `value`."""

    value: Obj


@dataclass(frozen=True)
class HasNext:
    pass


@dataclass(frozen=True)
class HasPrevious:
    pass


@dataclass(frozen=True)
class Total:
    pass


@dataclass(frozen=True)
class Obj:
    entries: tuple[tuple[str, Any], ...]  # (key, Column | Related | Const | Rows | ... | Obj)


class NotCompilable(Exception):
    """The template asks for what this statement cannot build (the caller takes its usual path)."""


def includes_of(template: Obj) -> list[Include]:
    """The relations the template reads, each once."""
    found: dict[Include, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Obj):
            for _, value in node.entries:
                walk(value)
        elif isinstance(node, Rows):
            walk(node.value)
        elif isinstance(node, Related):
            found[node.include] = None
            walk(node.value)
        elif isinstance(node, Column) and node.include is not None:
            found[node.include] = None

    walk(template)
    return list(found)


async def page_json(
    spec: RecordSpec,
    template: Obj,
    *,
    principal: Principal,
    filter: Filter | None = None,
    order: list[Order] | None = None,
    first: int,
    after: str | None = None,
    scope: dict[str, Any] | None = None,
    search: str | None = None,
) -> str | None:
    """The page as the JSON text of `template`, or None when a required value is null."""
    page = await page_statement(
        spec,
        principal=principal,
        filter=filter,
        order=order,
        first=first,
        after=after,
        scope=scope,
        search=search,
        include=includes_of(template),
    )
    sql = _Builder(spec, page, first, after is not None).statement(template)
    rows = await fetch_values(sql, page.values)
    text, broken = rows[0][0], rows[0][1]
    return None if broken else text


class _Builder:
    def __init__(self, spec: RecordSpec, page: PageStatement, first: int, after: bool) -> None:
        self.spec, self.page, self.first, self.after = spec, page, first, after
        self.inner: dict[str, str] = {}  # SQL expression of the inner row -> its name c0, c1...
        self.required: list[str] = []  # outer conditions that must not be true on a page row
        self.present: str | None = None  # inside a related row: the condition that it is there
        self.joined: dict[Include, tuple[int, Any]] = {}  # where each join's columns start
        offset = 0
        for join in page.joined:
            self.joined[join.include] = (offset, join)
            offset += len(join.columns)

    def statement(self, template: Obj) -> str:
        body = self._object(template, in_row=False)
        inner = ", ".join(f"{expr} AS {name}" for expr, name in self.inner.items()) or "1 AS c"
        page = self.page
        inner_sql = (
            f"SELECT {inner} FROM {self.spec.table} t {' '.join(page.joins)} "
            f"WHERE {' AND '.join(page.where)} ORDER BY {order_by_sql(page.scan)} "
            f"LIMIT {int(self.first) + 1}"
        )
        broken = " OR ".join(self.required) or "false"
        return (
            f"SELECT ({body})::text, COALESCE(bool_or({broken}) FILTER (WHERE p._n <= {int(self.first)}), false) "
            f"FROM (SELECT row_number() OVER () AS _n, i.* FROM ({inner_sql}) i) p"
        )

    def _name(self, expr: str) -> str:
        if expr not in self.inner:
            self.inner[expr] = f"c{len(self.inner)}"
        return f"p.{self.inner[expr]}"

    def _object(self, node: Obj, in_row: bool) -> str:
        if len(node.entries) > MAX_KEYS:
            raise NotCompilable("too many keys in one object")
        parts = []
        for key, value in node.entries:
            parts += [_literal(key), self._value(value, in_row)]
        return f"json_build_object({', '.join(parts)})"

    def _value(self, node: Any, in_row: bool) -> str:
        if isinstance(node, Obj):
            return self._object(node, in_row)
        if isinstance(node, Const):
            return f"{_literal(node.value)}::text"
        if isinstance(node, Rows):
            if in_row:
                raise NotCompilable("rows inside a row")
            return (
                f"COALESCE(json_agg({self._object(node.value, True)} ORDER BY p._n) "
                f"FILTER (WHERE p._n <= {int(self.first)}), '[]'::json)"
            )
        if isinstance(node, HasNext):
            return f"(count(*) > {int(self.first)})"
        if isinstance(node, HasPrevious):
            return "true" if self.after else "false"
        if isinstance(node, Total):
            return f"({self.page.count_sql})"
        if not in_row:
            raise NotCompilable("a record's value outside its row")
        if isinstance(node, Related):
            present = self._name(self._source(node.include, "id"))
            if node.required:
                self._require(f"{present} IS NULL")
            outer, self.present = self.present, f"{present} IS NOT NULL"
            try:
                value = self._object(node.value, True)
            finally:
                self.present = outer
            return f"CASE WHEN {present} IS NULL THEN NULL ELSE {value} END"
        if isinstance(node, Column):
            value = self._name(self._source(node.include, node.column))
            if node.required:
                self._require(f"{value} IS NULL")
            return _formatted(value, node)
        raise NotCompilable(f"unknown template part {node!r}")

    def _require(self, missing: str) -> None:
        """A value the template requires is `missing`: only where its related row is there."""
        self.required.append(f"({self.present} AND {missing})" if self.present else f"({missing})")

    def _source(self, include: Include | None, column: str) -> str:
        if include is None:
            if column not in self.spec.columns:
                raise NotCompilable(f"{column} is not a column of {self.spec.table}")
            return f"t.{column}"
        if include not in self.joined:  # the caller may not read the target: its lookup says so
            raise NotCompilable("relation not joined")
        offset, join = self.joined[include]
        if column not in join.columns:
            raise NotCompilable(f"{column} is not read by the join")
        return str(self.page.joined_columns[offset + join.columns.index(column)])


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _formatted(value: str, column: Column) -> str:
    fmt = column.format
    if fmt == PLAIN:
        return value
    if fmt == TEXT:
        return f"{value}::text"
    if fmt == DATE:
        return f"to_char({value}, 'YYYY-MM-DD')"
    if fmt == TIMESTAMP:
        # Python's isoformat: microseconds only when there are some, the offset of UTC.
        utc = f"({value} AT TIME ZONE 'UTC')"
        return (
            f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
            f"extract(microseconds FROM {value})::bigint % 1000000 = 0 THEN '' "
            f"ELSE to_char({utc}, '.US') END || '+00:00')"
        )
    if fmt == ENCODED_ID:
        if not all(_WORD.fullmatch(part) for part in column.prefix.rstrip(":").split(":")):
            raise NotCompilable("unexpected id prefix")
        return (
            f"translate(encode(convert_to({_literal(column.prefix)} || {value}::text, 'UTF8'), "
            f"'base64'), E'\\n', '')"
        )
    raise NotCompilable(f"unknown format {fmt}")
