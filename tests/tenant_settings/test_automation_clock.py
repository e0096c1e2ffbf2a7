"""Time-based rules read dates and cron ticks on the tenant's wall clock, and with businessTime
count working days of its calendar (fixed clocks, fired as the scheduler fires them)."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime, timezone

from domain.automation.local_time import field_dates_firing, idle_cutoff, last_tick
from domain.calendars import calendar_from_dict
from tests.support.automation import disable, make_rule, runs_of
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql

NINE_TO_SIX = [{"start": "09:00", "end": "18:00"}]
WEEK = {day: NINE_TO_SIX for day in ("monday", "tuesday", "wednesday", "thursday", "friday")}
# December 2026: Fri 4 is a holiday, Sat 12 a make-up working day.
DECEMBER = {
    "timeZone": "Asia/Shanghai",
    "weeklyHours": WEEK,
    "holidays": [{"date": "2026-12-04"}],
    "extraWorkingDays": [{"date": "2026-12-12", "hours": NINE_TO_SIX}],
}
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
UPDATE = "mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { version } }"


def test_field_dates_firing_count_working_days():
    calendar = calendar_from_dict(DECEMBER)
    thursday = date(2026, 12, 3)
    # Two working days before: Tue 8 (Mon 7, Thu 3: Fri 4 is a holiday) fires on Thu 3
    assert field_dates_firing(calendar, thursday, -2) == [date(2026, 12, 8)]
    # Back one working day from Mon 7, Sat 5, Sun 6 or the holiday Fri 4 is Thu 3
    assert field_dates_firing(calendar, thursday, -1) == [date(2026, 12, d) for d in (4, 5, 6, 7)]
    # Forward two working days from Tue 1 is Thu 3
    assert field_dates_firing(calendar, thursday, 2) == [date(2026, 12, 1)]
    # Offset 0: the day itself, and the non-working days just before it move to it
    assert field_dates_firing(calendar, date(2026, 12, 7), 0) == [
        date(2026, 12, d) for d in (4, 5, 6, 7)
    ]
    # The make-up Saturday is a working day; an ordinary Sunday or the holiday fires nothing
    assert field_dates_firing(calendar, date(2026, 12, 12), -1) == [
        date(2026, 12, 13),
        date(2026, 12, 14),
    ]
    assert field_dates_firing(calendar, date(2026, 12, 13), -1) == []
    assert field_dates_firing(calendar, date(2026, 12, 4), 0) == []


def test_idle_cutoff_and_cron_ticks_on_the_tenant_clock():
    calendar = calendar_from_dict(DECEMBER)
    monday_10 = datetime(2026, 12, 7, 2, tzinfo=timezone.utc)  # 10:00 in Shanghai
    # One working day back from Monday 10:00 skips the weekend and the Friday holiday: Thursday 10:00
    assert idle_cutoff(monday_10, 1, SHANGHAI, calendar) == datetime(
        2026, 12, 3, 10, tzinfo=SHANGHAI
    )
    assert idle_cutoff(monday_10, 2, SHANGHAI, None) == datetime(
        2026, 12, 5, 2, tzinfo=timezone.utc
    )
    # "09:00 every day" in Shanghai is 01:00 UTC; at 00:30 UTC the last tick is the day before
    assert last_tick(
        "0 9 * * *", datetime(2026, 12, 3, 1, 30, tzinfo=timezone.utc), SHANGHAI
    ) == datetime(2026, 12, 3, 1, tzinfo=timezone.utc)
    assert last_tick(
        "0 9 * * *", datetime(2026, 12, 3, 0, 30, tzinfo=timezone.utc), SHANGHAI
    ) == datetime(2026, 12, 2, 1, tzinfo=timezone.utc)


async def _settings(client, admin, **values):
    version = (await gql(client, "{ tenantSettings { version } }", token=admin)).data[
        "tenantSettings"
    ]["version"]
    assert (await gql(client, UPDATE, {"i": {"version": version, **values}}, token=admin)).data


async def _fire(tenant_id: str, now: datetime) -> None:
    from domain.automation.schedule import fire_due
    from tenants.context import tenant_transaction

    async with tenant_transaction(uuid.UUID(tenant_id)):
        await fire_due(now)


async def _fired_titles(client, admin, rule) -> set[str]:
    runs = await runs_of(client, admin, rule["id"])
    records = await gql(
        client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on CustomRecord { values } } }",
        {"ids": [run["recordId"] for run in runs]},
        token=admin,
    )
    return {node["values"]["title"] for node in records.data["nodes"]}


async def test_a_date_rule_fires_on_the_tenants_date_not_utcs(client, settings_tenant):
    admin = settings_tenant["admin"]
    await _settings(client, admin, timeZone="Pacific/Auckland")  # UTC+13 in December
    contract = await make_object(
        client,
        admin,
        [{"apiName": "end_date", "type": "DATE"}, {"apiName": "title", "type": "TEXT"}],
        stem="contract",
    )
    for title, ends in (("ends on the 3rd", "2026-12-03"), ("ends on the 4th", "2026-12-04")):
        assert (
            await create_record(client, admin, contract, {"end_date": ends, "title": title})
        ).data
    rule = await make_rule(
        client,
        admin,
        name="Ends today",
        object=contract,
        trigger={"on": "date", "field": "end_date"},
        actions=[{"type": "update_fields", "values": {"title": "{{title}}!"}}],
    )
    try:
        # 12:00 UTC on the 2nd is 01:00 on the 3rd in Auckland: the contract ending on the 3rd is due
        await _fire(settings_tenant["id"], datetime(2026, 12, 2, 12, tzinfo=timezone.utc))
        assert await _fired_titles(client, admin, rule) == {"ends on the 3rd!"}
    finally:
        await disable(client, admin, rule)


async def test_a_business_time_offset_counts_working_days_of_the_calendar(client, settings_tenant):
    admin = settings_tenant["admin"]
    await _settings(client, admin, timeZone="Asia/Shanghai", defaultCalendar=DECEMBER)
    visit = await make_object(
        client,
        admin,
        [{"apiName": "due", "type": "DATE"}, {"apiName": "title", "type": "TEXT"}],
        stem="visit",
    )
    for day in (3, 7, 8, 9):
        assert (
            await create_record(
                client, admin, visit, {"due": f"2026-12-0{day}", "title": f"due {day}"}
            )
        ).data
    trigger = {"on": "date", "field": "due", "offsetDays": -2, "businessTime": True}
    rule = await make_rule(
        client,
        admin,
        name="Two working days before",
        object=visit,
        trigger=trigger,
        actions=[{"type": "update_fields", "values": {"title": "{{title}} reminded"}}],
    )
    try:
        # Thursday the 3rd, 10:00 in Shanghai: due Tuesday the 8th is two working days away (Friday is
        # a holiday); due Monday the 7th was two working days away yesterday (the day of grace)
        await _fire(settings_tenant["id"], datetime(2026, 12, 3, 2, tzinfo=timezone.utc))
        await _fire(
            settings_tenant["id"], datetime(2026, 12, 3, 3, tzinfo=timezone.utc)
        )  # again: nothing twice
        assert await _fired_titles(client, admin, rule) == {"due 8 reminded", "due 7 reminded"}
        assert len(await runs_of(client, admin, rule["id"])) == 2
    finally:
        await disable(client, admin, rule)


async def test_a_trigger_names_a_calendar_of_the_tenant(client, settings_tenant):
    admin = settings_tenant["admin"]
    visit = await make_object(client, admin, [{"apiName": "due", "type": "DATE"}], stem="visit")
    query = "mutation($i: CreateAutomationRuleInput!) { createAutomationRule(input: $i) { id } }"
    base = {"name": "x", "object": visit, "actions": [{"type": "create_task", "subject": "x"}]}
    unknown = await gql(
        client,
        query,
        {
            "i": {
                **base,
                "trigger": {
                    "on": "date",
                    "field": "due",
                    "businessTime": True,
                    "calendar": "Nowhere",
                },
            }
        },
        token=admin,
    )
    without = await gql(
        client,
        query,
        {"i": {**base, "trigger": {"on": "idle", "days": 1.5, "businessTime": True}}},
        token=admin,
    )
    stray = await gql(
        client,
        query,
        {"i": {**base, "trigger": {"on": "date", "field": "due", "calendar": "Nowhere"}}},
        token=admin,
    )
    assert [(e["field"], e["code"]) for e in unknown.errors[0]["extensions"]["fieldErrors"]] == [
        ("trigger.calendar", "UNKNOWN_CALENDAR")
    ]
    assert [(e["field"], e["code"]) for e in without.errors[0]["extensions"]["fieldErrors"]] == [
        ("trigger.days", "INVALID_INTEGER")
    ]
    assert [(e["field"], e["code"]) for e in stray.errors[0]["extensions"]["fieldErrors"]] == [
        ("trigger.calendar", "INVALID_VALUE")
    ]
