"""Relative ranges on the calendar: month, quarter and year edges, weeks, and local midnights
across daylight-saving changes (pure functions: no database needed)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from domain.reports.periods import Range, date_bounds, instant_bounds


def test_calendar_ranges_seen_from_a_day():
    today = date(2026, 1, 15)
    assert date_bounds(Range.LAST_MONTH, today) == (date(2025, 12, 1), date(2026, 1, 1))
    assert date_bounds(Range.LAST_QUARTER, today) == (date(2025, 10, 1), date(2026, 1, 1))
    assert date_bounds(Range.THIS_QUARTER, date(2026, 12, 31)) == (
        date(2026, 10, 1),
        date(2027, 1, 1),
    )
    assert date_bounds(Range.LAST_YEAR, today) == (date(2025, 1, 1), date(2026, 1, 1))
    assert date_bounds(Range.THIS_WEEK, date(2026, 1, 18)) == (
        date(2026, 1, 12),
        date(2026, 1, 19),
    )  # a Sunday
    assert date_bounds(Range.LAST_WEEK, date(2026, 1, 12)) == (date(2026, 1, 5), date(2026, 1, 12))
    assert date_bounds(Range.LAST_N_DAYS, today, 7) == (date(2026, 1, 9), date(2026, 1, 16))
    assert date_bounds(Range.NEXT_N_DAYS, today, 1) == (today, date(2026, 1, 16))
    assert date_bounds(Range.YESTERDAY, date(2026, 3, 1)) == (date(2026, 2, 28), date(2026, 3, 1))


def test_local_midnights_across_daylight_saving_changes():
    berlin = ZoneInfo("Europe/Berlin")
    # March 2026 in Berlin: starts at 23:00 UTC (winter time), ends at 22:00 UTC (summer time from the 29th).
    start, end = instant_bounds(
        Range.THIS_MONTH, datetime(2026, 3, 15, 12, tzinfo=timezone.utc), berlin
    )
    assert (start, end) == (
        datetime(2026, 2, 28, 23, tzinfo=timezone.utc),
        datetime(2026, 3, 31, 22, tzinfo=timezone.utc),
    )
    # The day of the change is 23 hours long.
    start, end = instant_bounds(Range.TODAY, datetime(2026, 3, 29, 12, tzinfo=timezone.utc), berlin)
    assert (end - start).total_seconds() == 23 * 3600
    # Seen just after local midnight, "today" is already the new local day while UTC is still yesterday.
    start, _ = instant_bounds(
        Range.TODAY, datetime(2026, 6, 30, 22, 30, tzinfo=timezone.utc), berlin
    )
    assert start == datetime(2026, 6, 30, 22, tzinfo=timezone.utc)
    shanghai = ZoneInfo("Asia/Shanghai")
    start, end = instant_bounds(
        Range.LAST_QUARTER, datetime(2026, 3, 31, 16, 30, tzinfo=timezone.utc), shanghai
    )
    assert (start, end) == (
        datetime(2025, 12, 31, 16, tzinfo=timezone.utc),
        datetime(2026, 3, 31, 16, tzinfo=timezone.utc),
    )
