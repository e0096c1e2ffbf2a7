"""Any report's answer as a table (named columns, rows of plain values), and a table as CSV: what
dashboards show generically and what CSV export writes."""

from __future__ import annotations

import csv
import dataclasses
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.exports.cells import neutral
from domain.reports.aggregate import Aggregate, Key
from domain.reports.fields import ValueType

MAX_CSV_ROWS = 10_000


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def table_of(items: list[Any]) -> Table:
    """A table of dataclass instances: one column per field (camelCase), dicts spread as name.key."""
    if not items:
        return Table([], [])
    columns: list[str] = []
    for item in items[:1]:
        for field in dataclasses.fields(item):
            value = getattr(item, field.name)
            if isinstance(value, dict):
                columns += [f"{_camel(field.name)}.{key}" for key in value]
            else:
                columns.append(_camel(field.name))
    rows = []
    for item in items:
        row: list[Any] = []
        for field in dataclasses.fields(item):
            value = getattr(item, field.name)
            row += list(value.values()) if isinstance(value, dict) else [value]
        rows.append(row)
    return Table(columns, rows)


def aggregate_table(result: Aggregate, group_fields: list[str]) -> Table:
    """Groups as rows: each key's value and label, then the measures; the totals row last."""
    measure_names = [v.name for v in result.totals.values]
    columns = [c for f in group_fields for c in (f, f"{f} label")] + measure_names
    rows = [
        [c for k in row.keys for c in (k.value, _label(k))] + [v.value for v in row.values]
        for row in result.rows
    ]
    if group_fields:
        rows.append(
            ["TOTAL", None]
            + [None, None] * (len(group_fields) - 1)
            + [v.value for v in result.totals.values]
        )
    else:
        rows.append([v.value for v in result.totals.values])
    return Table(columns, rows)


def _label(key: Key) -> Any:
    """A reference's name; other values label themselves."""
    return key.label if key.type is ValueType.ID else key.value


def csv_text(table: Table) -> str:
    """RFC 4180 CSV with a header line; text a spreadsheet would run as a formula is made plain text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows[:MAX_CSV_ROWS]:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID, int, float, bool)):
        return str(value).lower() if isinstance(value, bool) else str(value)
    return neutral(str(value))
