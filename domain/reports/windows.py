"""The time window of an analytic: a relative range (THIS_QUARTER...) seen from `as_of` in the
tenant's calendar, or explicit instants; always half-open [start, end)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from domain.errors import FieldError, InvalidInput
from domain.reports.periods import Period, Range, check_period, instant_bounds, tenant_calendar

MAX_WINDOW_DAYS = 3660


@dataclass(frozen=True)
class Window:
    range: Range | None = None
    days: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    as_of: datetime | None = None


async def bounds(window: Window, where: str = "period") -> tuple[datetime, datetime]:
    """[start, end) of `window`; InvalidInput when it is neither a range nor two instants in order."""
    if window.range is not None:
        if window.start is not None or window.end is not None:
            raise InvalidInput.single(where, "AMBIGUOUS", "give either a range or start and end")
        errors = check_period(Period("", window.range, window.days), where)
        if errors:
            raise InvalidInput(errors)
        calendar = await tenant_calendar()
        return instant_bounds(
            window.range,
            window.as_of or datetime.now(timezone.utc),
            calendar.zone,
            window.days,
            calendar.week_start,
        )
    errors = [
        FieldError(f"{where}.{name}", "REQUIRED", f"{name} (or a range) is required")
        for name, value in (("start", window.start), ("end", window.end))
        if value is None
    ]
    if errors:
        raise InvalidInput(errors)
    assert window.start is not None and window.end is not None
    if window.end <= window.start:
        raise InvalidInput.single(f"{where}.end", "BEFORE_START", "end must be after start")
    if (window.end - window.start).days > MAX_WINDOW_DAYS:
        raise InvalidInput.single(
            f"{where}.end", "OUT_OF_RANGE", f"a window spans at most {MAX_WINDOW_DAYS} days"
        )
    return window.start, window.end
