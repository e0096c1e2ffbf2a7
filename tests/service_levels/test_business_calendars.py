"""SLA clocks on the tenant's business calendars (domain/tenant_settings): targets count working
time only, and a pause moves due times by the paused working time. A tenant of its own, so its
settings are this module's alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.service_levels.support import for_category, iso, make_policy, move, open_ticket, read
from tests.support import cli
from tests.support.graphql import gql, login
from tests.support.records import unique

SHANGHAI = ZoneInfo("Asia/Shanghai")
FRIDAY_5PM = datetime(2026, 3, 6, 17, 0, tzinfo=SHANGHAI)
WEEKDAYS = {
    day: [{"start": "09:00", "end": "18:00"}]
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
}
SETTINGS = """mutation($input: UpdateTenantSettingsInput!) { updateTenantSettings(input: $input) { version } }"""


@pytest.fixture(scope="module")
async def office(client, tenants) -> dict[str, str]:
    """A tenant in Shanghai: default calendar 09:00-18:00 on weekdays, a named 24x7-ish
    calendar "Night shift" (18:00-24:00 every day); tokens of its admin and an agent."""
    slug = unique("slaco").lower().replace("-", "")
    cli.ok(
        await cli.arun(
            "tenant",
            "create",
            slug,
            "--name",
            "SLA Co",
            "--admin-email",
            f"admin@{slug}.test",
            "--admin-password",
            "correct-horse-battery",
        )
    )
    cli.ok(
        await cli.arun(
            "user",
            "add",
            "--tenant",
            slug,
            "--email",
            f"agent@{slug}.test",
            "--password",
            "correct-horse-battery",
            "--role",
            "agent",
        )
    )
    admin = (await login(client, slug, f"admin@{slug}.test", "correct-horse-battery"))[
        "accessToken"
    ]
    agent = (await login(client, slug, f"agent@{slug}.test", "correct-horse-battery"))[
        "accessToken"
    ]
    night = {
        day: [{"start": "18:00", "end": "24:00"}]
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    }
    await gql(
        client,
        SETTINGS,
        {
            "input": {
                "version": 0,
                "timeZone": "Asia/Shanghai",
                "defaultCalendar": {"weeklyHours": WEEKDAYS},
                "calendars": [{"name": "Night shift", "calendar": {"weeklyHours": night}}],
            }
        },
        token=admin,
    )
    return {"admin": admin, "agent": agent}


async def test_a_policy_on_the_default_calendar_counts_working_hours_only(client, office):
    category = unique("office")
    await make_policy(
        client,
        office["admin"],
        conditions=for_category(category),
        calendar="default",
        firstResponseMinutes=120,
        resolutionMinutes=600,
    )
    ticket = await open_ticket(client, office["agent"], FRIDAY_5PM, category=category)
    # One working hour on Friday, the rest on Monday.
    assert ticket["sla"]["firstResponseDueAt"] == iso(datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI))
    assert ticket["sla"]["resolutionDueAt"] == iso(datetime(2026, 3, 9, 18, 0, tzinfo=SHANGHAI))
    # Saturday noon: 1 of 2 working hours gone, under the 75 % warning share.
    assert (await read(client, office["agent"], ticket["id"], FRIDAY_5PM + timedelta(hours=19)))[
        "sla"
    ]["status"] == "ON_TRACK"

    accepted = await move(
        client, office["agent"], ticket, "ACCEPTED", datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
    )
    waiting = await move(
        client,
        office["agent"],
        accepted,
        "WAITING_ON_CUSTOMER",
        datetime(2026, 3, 9, 11, 0, tzinfo=SHANGHAI),
    )
    # Waiting from Monday 11:00 to Tuesday 10:00: 7 + 1 = 8 working hours paused.
    back = await move(
        client,
        office["agent"],
        waiting,
        "DIAGNOSING",
        datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI),
    )
    assert back["sla"]["resolutionDueAt"] == iso(datetime(2026, 3, 10, 17, 0, tzinfo=SHANGHAI))


async def test_a_policy_names_a_calendar_of_the_settings(client, office):
    category = unique("night")
    policy = await make_policy(
        client,
        office["admin"],
        conditions=for_category(category),
        calendar="Night shift",
        resolutionMinutes=120,
    )
    assert policy["calendar"] == "Night shift"
    ticket = await open_ticket(client, office["agent"], FRIDAY_5PM, category=category)
    assert ticket["sla"]["resolutionDueAt"] == iso(datetime(2026, 3, 6, 20, 0, tzinfo=SHANGHAI))
    unknown = await gql(
        client,
        """mutation { createSlaPolicy(input: {name: "x", resolutionMinutes: 5,
        calendar: "Day shift"}) { id } }""",
        token=office["admin"],
    )
    assert unknown.errors[0]["extensions"]["fieldErrors"][0]["code"] == "UNKNOWN_CALENDAR"
