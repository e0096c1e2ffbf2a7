"""A calendar's working time as real instants: the engine under the arithmetic.

Instants are integers, microseconds since 1970-01-01 UTC, so that sums and differences are exact
and no aware-datetime arithmetic (which ignores daylight saving between datetimes of one zone) can
creep in. Working time is the set of instants whose wall-clock reading in the calendar's zone falls
inside an interval of that reading's date. A day whose UTC offset does not change is that set
shifted by the offset; a day with a transition is cut into pieces of constant offset, so a wall
time that never happens is never worked and one that happens twice is worked twice.

The zone database has no public list of transitions, so they are found by asking for the offset at
probes and bisecting between probes that differ. That needs probes closer together than any two
offset changes, so that two changes never hide between probes by cancelling out: the closest pair
in the whole database, 1900 to 2100, is 95 hours apart (Africa/Freetown, 1939); most are months."""

from __future__ import annotations

import bisect
import datetime as dt

from domain.calendars.model import BusinessCalendar

SECOND = 1_000_000
MINUTE = 60 * SECOND
DAY = 24 * 60 * MINUTE
WEEK = 7 * DAY
_PROBE_STEP = 12 * 60 * MINUTE  # when cutting a day at its offset changes
_WEEK_PROBES = (0, WEEK // 3, 2 * WEEK // 3, WEEK)  # 56 hours apart, when checking a week is plain
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_ONE = dt.timedelta(microseconds=1)

Range = tuple[int, int]  # [start, end) in microseconds


def to_micros(at: dt.datetime) -> int:
    """The instant of an aware datetime (its own utcoffset, so zoneinfo's fold counts)."""
    return (at - _EPOCH) // _ONE


def from_micros(instant: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=instant)


class Timeline:
    """The working ranges of one calendar, computed day by day and remembered for one computation."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self._calendar = calendar
        self._zone = calendar.zone
        dated = [h.date for h in calendar.holidays] + [d.date for d in calendar.extra_working_days]
        self._dated = sorted(day.toordinal() for day in dated)
        self.weekly_total = (
            sum(i.minutes for day in calendar.weekly_hours.days for i in day) * MINUTE
        )
        self._days: dict[int, list[Range]] = {}
        self._probes: dict[int, int] = {}

    def offset(self, instant: int) -> int:
        """The zone's UTC offset at an instant."""
        # Whole seconds suffice (offsets change on the second), and fromtimestamp is the fast path.
        offset = dt.datetime.fromtimestamp(instant // SECOND, self._zone).utcoffset()
        assert offset is not None  # a ZoneInfo always has one
        return offset // _ONE

    def ranges(self, start: int, end: int) -> list[Range]:
        """The working time inside [start, end): sorted, apart, clipped to the window."""
        first = (
            start // DAY + _EPOCH_ORDINAL - 1
        )  # offsets are under a day, so local dates are within
        last = (end - 1) // DAY + _EPOCH_ORDINAL + 1  # one day of the UTC date
        found: list[Range] = []
        for ordinal in range(first, last + 1):
            for day_lo, day_hi in self._day(ordinal):
                lo, hi = max(day_lo, start), min(day_hi, end)
                if lo < hi:
                    found.append((lo, hi))
        # Dates are not always in order in time: a clock put back across midnight (e.g. 00:01 ->
        # 23:01, America/Goose_Bay until 2010) repeats the end of a day after the next one began.
        found.sort()
        merged: list[Range] = []
        for lo, hi in found:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        return merged

    def is_plain_week(self, start: int) -> bool:
        """Whether [start, start + 7 days) holds exactly the weekly total: one UTC offset throughout
        and no holiday or extra working day on any local date it touches."""
        offsets = [self._probe(start + at) for at in _WEEK_PROBES]
        if any(offset != offsets[0] for offset in offsets):
            return False
        offset = offsets[0]
        first = (start + offset) // DAY + _EPOCH_ORDINAL
        last = (start + offset + WEEK) // DAY + _EPOCH_ORDINAL
        index = bisect.bisect_left(self._dated, first)
        return index == len(self._dated) or self._dated[index] > last

    def _probe(self, instant: int) -> int:
        # Remembered: a week's last probe is the next week's first.
        offset = self._probes.get(instant)
        if offset is None:
            offset = self._probes[instant] = self.offset(instant)
        return offset

    def _day(self, ordinal: int) -> list[Range]:
        cached = self._days.get(ordinal)
        if cached is None:
            cached = self._days[ordinal] = self._compute_day(ordinal)
        return cached

    def _compute_day(self, ordinal: int) -> list[Range]:
        day = dt.date.fromordinal(ordinal)
        hours = self._calendar.hours_on(day)
        if not hours:
            return []
        midnight = (ordinal - _EPOCH_ORDINAL) * DAY  # the day's wall clock, counted like an instant
        offset = self._steady_offset(day)
        if offset is not None:
            shift = midnight - offset
            return [(shift + i.start_minute * MINUTE, shift + i.end_minute * MINUTE) for i in hours]
        found: list[Range] = []
        # Every instant whose wall time falls on this day lies in the window (offsets are under a day).
        for seg_start, seg_end, seg_offset in self._segments(midnight - DAY, midnight + 2 * DAY):
            for interval in hours:
                lo = max(seg_start, midnight + interval.start_minute * MINUTE - seg_offset)
                hi = min(seg_end, midnight + interval.end_minute * MINUTE - seg_offset)
                if lo < hi:
                    found.append((lo, hi))
        return sorted(found)

    def _steady_offset(self, day: dt.date) -> int | None:
        """The day's one UTC offset, or None if it changes: the offsets of the day's midnight and
        the next, both folds (a midnight in a gap or a repeat has two), all agree."""
        offsets = set()
        for midnight in (day, day + dt.timedelta(days=1)):
            for fold in (0, 1):
                offset = dt.datetime.combine(
                    midnight, dt.time(fold=fold), tzinfo=self._zone
                ).utcoffset()
                assert offset is not None
                offsets.add(offset // _ONE)
        return offsets.pop() if len(offsets) == 1 else None

    def _segments(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """[start, end) cut where the offset changes: (from, to, offset) pieces."""
        pieces: list[tuple[int, int, int]] = []
        piece_start, current = start, self.offset(start)
        probe = start
        while probe < end:
            step = min(probe + _PROBE_STEP, end)
            if self.offset(step) == current:
                probe = step
                continue
            change = self._first_change(probe, step, current)
            pieces.append((piece_start, change, current))
            piece_start, current = change, self.offset(change)
            probe = change
        pieces.append((piece_start, end, current))
        return pieces

    def _first_change(self, lo: int, hi: int, offset: int) -> int:
        """The first instant in (lo, hi] whose offset is not `offset` (there is one, at hi or before)."""
        while hi - lo > 1:
            middle = (lo + hi) // 2
            if self.offset(middle) == offset:
                lo = middle
            else:
                hi = middle
        return hi
