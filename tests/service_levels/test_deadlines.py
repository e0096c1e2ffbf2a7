"""Due times in business time: a policy on a 09:00-18:00 weekday calendar (Asia/Shanghai) counts
only working time, and a pause moves due times by the paused working time only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from domain.calendars import BusinessCalendar, calendar_from_dict
from domain.service_levels.deadlines import deadlines, escalation_times

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = calendar_from_dict(
    {
        "timeZone": "Asia/Shanghai",
        "weeklyHours": {
            day: [{"start": "09:00", "end": "18:00"}]
            for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
        },
    }
)


def _state(**changes):
    state = {
        "started_at": datetime(
            2026, 3, 6, 17, 0, tzinfo=SHANGHAI
        ),  # a Friday, an hour before closing
        "first_response_minutes": 120,
        "next_response_minutes": None,
        "resolution_minutes": 600,
        "warning_percent": 50,
        "paused_business_seconds": 0.0,
        "next_response_since": None,
        "escalations": [],
    }
    state.update(changes)
    return state


def test_targets_run_in_working_time_only():
    due = deadlines(WEEKDAYS, _state())
    # 1 h on Friday, the second on Monday morning; the warning at half the target: Friday 18:00.
    assert due["first_response_due_at"] == datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)
    assert due["first_response_warn_at"] == datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI)
    # 10 h: 1 on Friday, 9 on Monday -> Monday 18:00.
    assert due["resolution_due_at"] == datetime(2026, 3, 9, 18, 0, tzinfo=SHANGHAI)
    assert due["next_response_due_at"] is None


def test_a_paused_hour_moves_the_due_time_by_one_working_hour():
    paused = deadlines(WEEKDAYS, _state(paused_business_seconds=3600.0))
    assert paused["resolution_due_at"] == datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


def test_24x7_equals_elapsed_time_and_escalations_follow_the_resolution_due_time():
    start = datetime(2026, 3, 28, 12, 0, tzinfo=timezone.utc)
    state = _state(
        started_at=start,
        escalations=[
            {"level": 1, "afterMinutes": 0, "notify": "ASSIGNEE"},
            {"level": 2, "afterMinutes": 30, "notify": "TEAM_MANAGER"},
        ],
    )
    calendar = BusinessCalendar.twenty_four_seven()
    state.update(deadlines(calendar, state))
    assert state["resolution_due_at"] == start + timedelta(minutes=600)
    assert escalation_times(calendar, state) == {
        1: start + timedelta(minutes=600),
        2: start + timedelta(minutes=630),
    }
