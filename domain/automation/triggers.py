"""Checking the settings of time-based triggers when a rule is saved (see schedule.py), and the
triggers of service-level events."""

from __future__ import annotations

from typing import Any

from croniter import croniter

from domain.errors import FieldError
from domain.tenant_settings import current_settings

# Ticket events fired by SLA timers (domain/service_levels/firing.py), through the outbox like
# record events, and the answer of a satisfaction survey (domain/surveys): rules on Ticket trigger
# on them ({"on": "sla_breached"}), webhooks deliver them.
SLA_TRIGGERS = ("sla_warning", "sla_breached", "sla_escalated", "survey_answered")


def check_time_trigger(trigger: dict[str, Any], errors: list[FieldError]) -> None:
    on = trigger.get("on")
    if on == "date":
        if not isinstance(trigger.get("field"), str):
            errors.append(FieldError("trigger.field", "REQUIRED", "the date field"))
        if (
            not isinstance(trigger.get("offsetDays", 0), int)
            or abs(trigger.get("offsetDays", 0)) > 3650
        ):
            errors.append(
                FieldError(
                    "trigger.offsetDays", "OUT_OF_RANGE", "whole days, at most ten years either way"
                )
            )
    elif on == "idle":
        days = trigger.get("days")
        if not isinstance(days, (int, float)) or not 0 < days <= 3650:
            errors.append(FieldError("trigger.days", "OUT_OF_RANGE", "idle days, more than 0"))
    if on in ("date", "idle"):
        _check_business_time(trigger, errors)
    if on == "schedule":
        if not isinstance(trigger.get("cron"), str) or not croniter.is_valid(trigger["cron"]):
            errors.append(
                FieldError("trigger.cron", "INVALID_CRON", "a cron expression such as '0 9 * * 1'")
            )


def _check_business_time(trigger: dict[str, Any], errors: list[FieldError]) -> None:
    """`businessTime: true` counts working days of the default calendar, or of `calendar` (a name)."""
    business = trigger.get("businessTime", False)
    if not isinstance(business, bool):
        errors.append(FieldError("trigger.businessTime", "INVALID_BOOLEAN", "true or false"))
        return
    if "calendar" in trigger and (not business or not isinstance(trigger["calendar"], str)):
        errors.append(
            FieldError(
                "trigger.calendar", "INVALID_VALUE", "a calendar's name, with businessTime: true"
            )
        )
    if business and trigger.get("on") == "idle" and not isinstance(trigger.get("days"), int):
        errors.append(
            FieldError("trigger.days", "INVALID_INTEGER", "whole working days with businessTime")
        )


async def check_trigger_calendar(trigger: dict[str, Any], errors: list[FieldError]) -> None:
    """A calendar a trigger names must be one of the tenant's (docs/service-levels.md)."""
    name = trigger.get("calendar")
    if (
        isinstance(name, str)
        and trigger.get("businessTime") is True
        and (await current_settings()).named(name) is None
    ):
        errors.append(
            FieldError(
                "trigger.calendar",
                "UNKNOWN_CALENDAR",
                "the name of one of the tenant's business calendars",
            )
        )
