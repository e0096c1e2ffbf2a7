"""The time SLA clocks read. Production reads the wall clock; tests fix it (`fixed_time`), so every
due time, warning and breach is checked against a known instant without sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

_fixed: list[datetime] = []


def now() -> datetime:
    """The current instant (UTC), or the one a test fixed."""
    return _fixed[-1] if _fixed else datetime.now(timezone.utc)


@contextmanager
def fixed_time(at: datetime) -> Iterator[None]:
    """Inside, `now()` is `at` (nested uses stack); for tests."""
    if at.tzinfo is None:
        raise ValueError("fixed_time needs an aware datetime")
    _fixed.append(at)
    try:
        yield
    finally:
        _fixed.pop()
