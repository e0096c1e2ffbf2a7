"""Turning database rows into plain values and back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from domain.records.spec import Kind, RecordSpec

K = TypeVar("K", bound=Hashable)


def decode_row(spec: RecordSpec, row: dict[str, Any]) -> dict[str, Any]:
    """Decodes, in place, the JSON columns that asyncpg hands over as text; everything else is
    already a Python value. Rows are fresh dicts from the query, so nobody else holds them."""
    for column in spec.json_columns:
        value = row.get(column)
        if isinstance(value, str):
            row[column] = json.loads(value)
    return row


def placeholder(spec: RecordSpec, column: str, marker: str) -> str:
    """The parameter marker with the cast its column needs."""
    kind = spec.kind_of(column)
    if kind is Kind.JSON:
        return f"{marker}::jsonb"
    if kind is Kind.TEXT_ARRAY:
        return f"{marker}::text[]"
    if kind is Kind.UUID_ARRAY:
        return f"{marker}::uuid[]"
    return marker


def encode_value(spec: RecordSpec, column: str, value: Any) -> Any:
    if value is not None and spec.kind_of(column) is Kind.JSON:
        return json.dumps(value)
    return value


def jsonable(value: Any) -> Any:
    """A value as it is stored in the audit trail."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def group_rows(
    rows: Iterable[dict[str, Any]],
    key: str,
    parents: Iterable[K],
    value: Callable[[dict[str, Any]], Any] = lambda row: row,
) -> dict[K, list[Any]]:
    """Rows of one batched query grouped by their parent's id; every parent gets a list, empty
    when it has no rows, in the rows' order."""
    grouped: dict[K, list[Any]] = {parent: [] for parent in parents}
    for row in rows:
        grouped[row[key]].append(value(row))
    return grouped
