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


def _walk(value: Any, path: str) -> Iterator[tuple[str, int, Any]]:
    """(path, depth, value) for `value` and everything inside it, keys included; iterative, so a
    deep value cannot exhaust the stack."""
    pending: deque[tuple[str, int, Any]] = deque([(path, 1, value)])
    while pending:
        where, depth, item = pending.popleft()
        yield where, depth, item
        if isinstance(item, dict):
            for key, inner in item.items():
                name = made_storable(str(key))
                inner_path = f"{where}.{name}" if where else name
                if isinstance(key, str):
                    pending.append((inner_path, depth + 1, key))
                pending.append((inner_path, depth + 1, inner))
        elif isinstance(item, (list, tuple)):
            pending.extend((f"{where}.{index}" if where else str(index), depth + 1, inner) for index, inner in enumerate(item))


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `value` nests containers deeper than `limit` levels."""
    return any(depth > limit for _, depth, item in _walk(value, "") if isinstance(item, (dict, list, tuple)))


def unstorable_text(value: Any, field: str) -> list[FieldError]:
    """A field error (INVALID_TEXT) for each text in `value` (keys too) that PostgreSQL cannot store;
    `field` names `value` itself, inner texts get `field.key.index` paths."""
    errors: list[FieldError] = []
    for where, _, item in _walk(value, field):
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
