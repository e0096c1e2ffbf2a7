"""The contract other engines use (domain.tenant_settings): the tenant's zone and calendars, by
name, team and region, current as soon as an admin changes them."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.support.graphql import gql

UPDATE = "mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { version } }"
VERSION = "{ tenantSettings { version } }"
NINE_TO_SIX = [{"start": "09:00", "end": "18:00"}]


async def _set(client, token, **values):
    version = (await gql(client, VERSION, token=token)).data["tenantSettings"]["version"]
    return (await gql(client, UPDATE, {"i": {"version": version, **values}}, token=token)).data[
        "updateTenantSettings"
    ]


async def test_engines_read_the_zone_and_calendars_of_the_tenant_in_context(
    client, settings_tenant
):
    from domain.calendars import add_business_time
    from domain.errors import NotFound
    from domain.tenant_settings import (
        business_calendar,
        calendar_for_region,
        calendar_for_team,
        current_settings,
    )
    from tenants.context import tenant_transaction

    admin = settings_tenant["admin"]
    team = (
        await gql(
            client,
            "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
            {"i": {"name": "Night shift"}},
            token=admin,
        )
    ).data["createTeam"]["id"]
    team_id = uuid.UUID(__import__("base64").b64decode(team).decode().split(":", 1)[1])
    tenant_id = uuid.UUID(settings_tenant["id"])
    # Given a tenant in Shanghai without a default calendar
    await _set(client, admin, timeZone="Asia/Shanghai", defaultCalendar=None, calendars=[])
    async with tenant_transaction(tenant_id):
        settings = await current_settings()
        assert settings.zone() == __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
        calendar = await business_calendar()
        assert calendar.time_zone == "Asia/Shanghai"
        start = dt.datetime(2025, 10, 1, 8, tzinfo=dt.UTC)
        assert add_business_time(calendar, start, dt.timedelta(hours=30)) == start + dt.timedelta(
            hours=30
        )  # 24x7
    # When the admin sets a weekday default and a night calendar for the team and for Guangdong
    night = {
        "weeklyHours": {day: [{"start": "22:00", "end": "24:00"}] for day in ("monday", "tuesday")}
    }
    await _set(
        client,
        admin,
        defaultCalendar={
            "weeklyHours": {"monday": NINE_TO_SIX, "tuesday": NINE_TO_SIX},
            "holidays": [{"date": "2025-10-06"}],
        },
        calendars=[{"name": "Nights", "calendar": night, "teamIds": [team], "regions": ["CN-GD"]}],
    )
    async with tenant_transaction(tenant_id):
        default = await business_calendar()
        monday = dt.datetime(2025, 10, 13, 0, tzinfo=dt.UTC)  # 08:00 in Shanghai
        assert add_business_time(default, monday, dt.timedelta(hours=1)) == dt.datetime(
            2025, 10, 13, 2, tzinfo=dt.UTC
        )
        assert default.hours_on(dt.date(2025, 10, 6)) == ()
        assert (
            await business_calendar("Nights")
            == await calendar_for_team(team_id)
            == await calendar_for_region("CN-GD")
        )
        assert (
            await calendar_for_region("CN") == default
            and await calendar_for_team(uuid.uuid4()) == default
        )
        assert (await business_calendar("Nights")).time_zone == "Asia/Shanghai"
        try:
            await business_calendar("Days")
            raise AssertionError("an unknown name must be refused")
        except NotFound:
            pass
    # And a change is seen by the next transaction of this same process (the cache follows the version)
    await _set(client, admin, timeZone="Europe/Berlin", defaultCalendar=None)
    async with tenant_transaction(tenant_id):
        assert (await business_calendar()).time_zone == "Europe/Berlin"
        assert (await current_settings()).time_zone == "Europe/Berlin"
