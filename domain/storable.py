"""What PostgreSQL can store, checked where input enters (the GraphQL edge, inbound webhooks, web
forms), so that bad input is a field error and never a failing statement: text without NUL
characters (text and jsonb refuse them) and without unpaired surrogates (not encodable as UTF-8),
and JSON nested no deeper than MAX_JSON_DEPTH (deep enough for any real document, shallow enough
that no recursive reader runs out of stack)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import Any

from domain.errors import FieldError

MAX_JSON_DEPTH = 64
MAX_REPORTED = 20  # field errors per input: enough to fix it, bounded for a hostile one

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
TEXT_MESSAGE = "text must not contain NUL characters or unpaired surrogates"


def is_storable_text(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def made_storable(text: str) -> str:
    """`text` with what PostgreSQL cannot store replaced (U+FFFD), for logging what was refused."""
    return _UNSTORABLE.sub("\ufffd", text)


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(path, value) for `value` and everything inside it, keys included, in reading order;
    iterative, so a deep value cannot exhaust the stack."""
    pending: deque[tuple[str, Any]] = deque([(path, value)])
    while pending:
        where, item = pending.popleft()
        yield where, item
        if isinstance(item, dict):
            for key, inner in item.items():
                inner_path = (
                    f"{where}.{made_storable(str(key))}" if where else made_storable(str(key))
                )
                pending.extend(((inner_path, key), (inner_path, inner)))
        elif isinstance(item, (list, tuple)):
            pending.extend(
                (f"{where}.{index}" if where else str(index), inner)
                for index, inner in enumerate(item)
            )


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `value` nests containers deeper than `limit` levels (it runs on every request body:
    level by level, containers only, no paths)."""
    level = [value] if isinstance(value, (dict, list)) else []
    for _ in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, (dict, list))
        ]
    return bool(level)


def _texts(value: Any) -> Iterator[str]:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)


def unstorable_text(value: Any, field: str) -> list[FieldError]:
    """A field error (INVALID_TEXT) for each text in `value` (keys too) that PostgreSQL cannot store;
    `field` names `value` itself, inner texts get `field.key.index` paths."""
    if all(is_storable_text(text) for text in _texts(value)):
        return []  # as nearly always: found without building a path for every value
    errors: list[FieldError] = []
    for where, item in _walk(value, field):
        if isinstance(item, str) and not is_storable_text(item):
            errors.append(FieldError(where or "input", "INVALID_TEXT", TEXT_MESSAGE))
            if len(errors) == MAX_REPORTED:
                break
    return errors


def unstorable_json(value: Any, root: str = "$") -> str | None:
    """Why the JSON document `value` cannot be taken in, in one line naming the place, or None."""
    if json_depth_exceeds(value):
        return f"it nests deeper than {MAX_JSON_DEPTH} levels"
    errors = unstorable_text(value, root)
    return f"{errors[0].field}: {TEXT_MESSAGE}" if errors else None
