"""Condition trees of rules: {"all": [...]}, {"any": [...]}, {"not": {...}} over comparisons on
the record's current values ({"field": "region", "op": "eq", "value": "East"}), the values
before the change ({"previous": "status", ...}) and the actor ({"actor": "role", ...}).
Checked when a rule is saved; evaluated against a plain dict of the record's values."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.errors import FieldError

OPS = (
    "eq",
    "neq",
    "in",
    "notIn",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "isNull",
    "changed",
    "notWithinDays",
)
MAX_NODES = 50
MAX_DEPTH = 5


def check_conditions(
    tree: Any,
    errors: list[FieldError],
    where: str = "conditions",
    depth: int = 1,
    count: list[int] | None = None,
) -> None:
    """Field errors for a malformed tree (unknown operators, wrong shapes, too big)."""
    count = count if count is not None else [0]
    count[0] += 1
    if depth > MAX_DEPTH or count[0] > MAX_NODES:
        errors.append(
            FieldError(
                where, "TOO_COMPLEX", f"at most {MAX_NODES} conditions, {MAX_DEPTH} levels deep"
            )
        )
        return
    if not isinstance(tree, dict) or len(tree) == 0:
        errors.append(FieldError(where, "INVALID_CONDITION", "a condition is an object"))
        return
    if "all" in tree or "any" in tree:
        key = "all" if "all" in tree else "any"
        parts = tree[key]
        if not isinstance(parts, list):
            errors.append(FieldError(f"{where}.{key}", "INVALID_CONDITION", f"{key} takes a list"))
            return
        for index, part in enumerate(parts):
            check_conditions(part, errors, f"{where}.{key}.{index}", depth + 1, count)
        return
    if "not" in tree:
        check_conditions(tree["not"], errors, f"{where}.not", depth + 1, count)
        return
    subject = [k for k in ("field", "previous", "actor") if k in tree]
    if len(subject) != 1 or not isinstance(tree[subject[0]], str):
        errors.append(
            FieldError(where, "INVALID_CONDITION", "name exactly one of field, previous or actor")
        )
        return
    if tree.get("op") not in OPS:
        errors.append(FieldError(f"{where}.op", "INVALID_OPERATOR", f"one of {', '.join(OPS)}"))
    if tree.get("op") in ("in", "notIn") and not isinstance(tree.get("value"), list):
        errors.append(FieldError(f"{where}.value", "INVALID_VALUE", "in and notIn take a list"))


def names_actor(tree: Any) -> bool:
    """Whether the tree compares anything about the actor (only then is the actor looked up)."""
    if not isinstance(tree, dict):
        return False
    parts = tree.get("all", tree.get("any", [tree["not"]] if "not" in tree else []))
    return "actor" in tree or any(names_actor(p) for p in parts if isinstance(parts, list))


def evaluate(
    tree: Any,
    *,
    current: dict[str, Any],
    previous: dict[str, Any],
    changed: set[str],
    actor: dict[str, Any],
) -> bool:
    """Whether the tree holds (an empty tree always does)."""
    if not tree:
        return True
    if "all" in tree:
        return all(
            evaluate(p, current=current, previous=previous, changed=changed, actor=actor)
            for p in tree["all"]
        )
    if "any" in tree:
        return any(
            evaluate(p, current=current, previous=previous, changed=changed, actor=actor)
            for p in tree["any"]
        )
    if "not" in tree:
        return not evaluate(
            tree["not"], current=current, previous=previous, changed=changed, actor=actor
        )
    if "field" in tree:
        name, source = tree["field"], current
    elif "previous" in tree:
        name, source = tree["previous"], previous
    else:
        name, source = tree["actor"], actor
    op, expected = tree["op"], tree.get("value")
    if op == "changed":
        return (name in changed) == (expected is not False)
    value = source.get(name)
    if op == "notWithinDays":  # empty, or a date/time at least `value` days back
        return value is None or _days_ago(value) >= float(expected or 0)
    if op == "isNull":
        return (value in (None, "", [])) == (expected is not False)
    if op == "contains":
        return value is not None and (
            expected in value
            if isinstance(value, list)
            else str(expected).lower() in str(value).lower()
        )
    if op in ("in", "notIn"):
        inside = any(_equal(value, option) for option in expected or [])
        return inside if op == "in" else not inside
    if op == "eq":
        return _equal(value, expected)
    if op == "neq":
        return not _equal(value, expected)
    if value is None or expected is None:
        return False
    left, right = comparable(value), comparable(expected)
    try:
        return bool(
            {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]
        )
    except TypeError:
        return False


def _days_ago(value: Any) -> float:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return (datetime.now(timezone.utc) - moment).total_seconds() / 86400
    if isinstance(value, date):
        return float((datetime.now(timezone.utc).date() - value).days)
    return 0.0


def _equal(value: Any, expected: Any) -> bool:
    return value == expected or (
        value is not None and expected is not None and comparable(value) == comparable(expected)
    )


def comparable(value: Any) -> Any:
    """Numbers as decimals, dates and times as ISO text, everything else as text."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    try:
        return Decimal(text)
    except InvalidOperation:
        return text
