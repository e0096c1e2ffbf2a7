"""Filters kept in a job's parameters: the domain's filter tree as JSON and back, with dates,
times, decimals and ids tagged so they come back as the types they were."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.records.filters import AllOf, AnyOf, Condition, Filter, NotOf, Op


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value


_TAGS: dict[str, Callable[[str], Any]] = {
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$decimal": Decimal,
    "$uuid": uuid.UUID,
}


def _back(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag in _TAGS:
            return _TAGS[tag](text)
    if isinstance(value, list):
        return [_back(v) for v in value]
    return value


def filter_to_json(node: Filter | None) -> Any:
    if node is None:
        return None
    if isinstance(node, Condition):
        return {"field": node.field, "op": node.op.value, "value": _value(node.value)}
    if isinstance(node, NotOf):
        return {"not": filter_to_json(node.part)}
    return {
        "and" if isinstance(node, AllOf) else "or": [filter_to_json(part) for part in node.parts]
    }


def filter_from_json(data: Any) -> Filter | None:
    if data is None:
        return None
    if "field" in data:
        return Condition(data["field"], Op(data["op"]), _back(data["value"]))
    if "not" in data:
        return NotOf(filter_from_json(data["not"]))  # type: ignore[arg-type]
    if "and" in data:
        return AllOf(tuple(filter_from_json(part) for part in data["and"]))  # type: ignore[misc]
    return AnyOf(tuple(filter_from_json(part) for part in data["or"]))  # type: ignore[misc]
