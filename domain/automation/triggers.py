"""Checking the settings of time-based triggers when a rule is saved (see schedule.py), and the
triggers of service-level events."""

from __future__ import annotations

from typing import Any

from croniter import croniter

from domain.errors import FieldError

# Ticket events fired by SLA timers (domain/service_levels/firing.py), through the outbox like
# record events, and the answer of a satisfaction survey (domain/surveys): rules on Ticket trigger
# on them ({"on": "sla_breached"}), webhooks deliver them.
SLA_TRIGGERS = ("sla_warning", "sla_breached", "sla_escalated", "survey_answered")


def check_time_trigger(trigger: dict[str, Any], errors: list[FieldError]) -> None:
    on = trigger.get("on")
    if on == "date":
        if not isinstance(trigger.get("field"), str):
            errors.append(FieldError("trigger.field", "REQUIRED", "the date field"))
        if not isinstance(trigger.get("offsetDays", 0), int) or abs(trigger.get("offsetDays", 0)) > 3650:
            errors.append(FieldError("trigger.offsetDays", "OUT_OF_RANGE", "whole days, at most ten years either way"))
    elif on == "idle":
        days = trigger.get("days")
        if not isinstance(days, (int, float)) or not 0 < days <= 3650:
            errors.append(FieldError("trigger.days", "OUT_OF_RANGE", "idle days, more than 0"))
    elif on == "schedule":
        if not isinstance(trigger.get("cron"), str) or not croniter.is_valid(trigger["cron"]):
            errors.append(FieldError("trigger.cron", "INVALID_CRON", "a cron expression such as '0 9 * * 1'"))
