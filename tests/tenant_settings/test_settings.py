"""Tenant settings through /graphql: defaults, changes by admins, validation with paths, versions."""

from __future__ import annotations

import pytest

from tests.support.graphql import create_token, gql

SETTINGS = """{ tenantSettings { displayName timeZone defaultCurrency locale weekStart phoneRegion defaultCalendar
  calendars { name calendar teamIds regions } version updatedAt } }"""
UPDATE = """mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) {
  displayName timeZone defaultCurrency locale weekStart phoneRegion defaultCalendar
  calendars { name calendar teamIds regions } version } }"""
CREATE_TEAM = "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }"

WEEKDAYS = {
    day: [{"start": "09:00", "end": "12:00"}, {"start": "13:30", "end": "18:00"}]
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
}
# China's 2025 National Day: Oct 1-8 off, made up by working Sunday Sep 28 and Saturday Oct 11.
CHINA = {
    "timeZone": "Asia/Shanghai",
    "weeklyHours": WEEKDAYS,
    "holidays": [{"date": f"2025-10-0{day}", "name": "国庆节"} for day in range(1, 9)],
    "extraWorkingDays": [
        {"date": "2025-09-28", "hours": [{"start": "09:00", "end": "18:00"}]},
        {"date": "2025-10-11", "hours": [{"start": "09:00", "end": "18:00"}]},
    ],
}


async def _settings(client, token):
    return (await gql(client, SETTINGS, token=token)).data["tenantSettings"]


async def _update(client, token, **values):
    return await gql(client, UPDATE, {"i": values}, token=token)


@pytest.fixture(scope="module")
async def team(client, settings_tenant) -> str:
    response = await gql(
        client, CREATE_TEAM, {"i": {"name": "Shenzhen support"}}, token=settings_tenant["admin"]
    )
    return response.data["createTeam"]["id"]


async def test_a_new_tenant_has_the_defaults_and_every_role_reads_them(client, settings_tenant):
    for role in ("admin", "manager", "agent", "viewer"):
        settings = await _settings(client, settings_tenant[role])
        assert settings["displayName"] == "Settings Co"
        assert (
            settings["timeZone"],
            settings["defaultCurrency"],
            settings["locale"],
            settings["weekStart"],
        ) == ("UTC", "USD", "en", 0)
        assert (
            settings["phoneRegion"] is None
            and settings["defaultCalendar"] is None
            and settings["calendars"] == []
        )


async def test_an_admin_changes_settings_against_the_version(client, settings_tenant, team):
    admin = settings_tenant["admin"]
    version = (await _settings(client, admin))["version"]
    # When the admin sets everything at once
    response = await _update(
        client,
        admin,
        version=version,
        displayName="设置有限公司",
        timeZone="Asia/Shanghai",
        defaultCurrency="CNY",
        locale="zh-CN",
        weekStart=6,
        phoneRegion="CN",
        defaultCalendar={
            key: value for key, value in CHINA.items() if key != "timeZone"
        },  # takes the tenant's zone
        calendars=[
            {
                "name": "Berlin office",
                "calendar": {"timeZone": "Europe/Berlin", "weeklyHours": WEEKDAYS},
                "teamIds": [team],
                "regions": ["DE", "CN-GD"],
            }
        ],
    )
    changed = response.data["updateTenantSettings"]
    # Then every reader sees them, with a new version
    assert changed == {
        **changed,
        "displayName": "设置有限公司",
        "timeZone": "Asia/Shanghai",
        "defaultCurrency": "CNY",
        "locale": "zh-CN",
        "weekStart": 6,
        "phoneRegion": "CN",
        "version": version + 1,
    }
    read = await _settings(client, settings_tenant["agent"])
    assert read["defaultCalendar"]["timeZone"] == "Asia/Shanghai"
    assert read["defaultCalendar"]["extraWorkingDays"][0] == {
        "date": "2025-09-28",
        "hours": [{"start": "09:00", "end": "18:00"}],
    }
    assert read["defaultCalendar"]["holidays"][0] == {"date": "2025-10-01", "name": "国庆节"}
    assert read["defaultCalendar"]["weeklyHours"]["saturday"] == []
    [berlin] = read["calendars"]
    assert (berlin["name"], berlin["teamIds"], berlin["regions"]) == (
        "Berlin office",
        [team],
        ["DE", "CN-GD"],
    )
    assert berlin["calendar"]["timeZone"] == "Europe/Berlin"
    # A second change against the old version is refused, and changes nothing
    stale = await _update(client, admin, version=version, displayName="Lost")
    assert stale.codes == ["CONFLICT"]
    assert (await _settings(client, admin))["displayName"] == "设置有限公司"
    # Fields left out stay; a calendar set to null means 24x7 again
    again = (await _update(client, admin, version=version + 1, defaultCalendar=None)).data[
        "updateTenantSettings"
    ]
    assert (
        again["defaultCalendar"] is None
        and again["timeZone"] == "Asia/Shanghai"
        and again["calendars"] == changed["calendars"]
    )
    assert again["version"] == version + 2


async def test_every_bad_field_is_reported_with_its_path_and_nothing_is_written(
    client, settings_tenant, team
):
    admin = settings_tenant["admin"]
    before = await _settings(client, admin)
    response = await _update(
        client,
        admin,
        version=before["version"],
        displayName="",
        timeZone="Mars/Olympus",
        defaultCurrency="usd",
        locale="fr",
        weekStart=7,
        phoneRegion="XX",
        defaultCalendar={
            "weeklyHours": {"monday": [{"start": "18:00", "end": "09:00"}]},
            "holidays": [{"date": "2025-13-01"}],
        },
        calendars=[
            {
                "name": "A",
                "calendar": {"weeklyHours": WEEKDAYS},
                "teamIds": ["not-an-id", team],
                "regions": ["XX"],
            },
            {
                "name": "A",
                "calendar": {"weeklyHours": WEEKDAYS, "bogus": 1},
                "teamIds": [team],
                "regions": ["cn"],
            },
        ],
    )
    assert response.codes == ["BAD_USER_INPUT"]
    fields = {(e["field"], e["code"]) for e in response.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {
        ("displayName", "LENGTH"),
        ("timeZone", "INVALID_TIME_ZONE"),
        ("defaultCurrency", "INVALID_CURRENCY"),
        ("locale", "INVALID_CHOICE"),
        ("weekStart", "OUT_OF_RANGE"),
        ("phoneRegion", "INVALID_REGION"),
        ("defaultCalendar.weeklyHours.monday.0", "INVALID_INTERVAL"),
        ("defaultCalendar.holidays.0.date", "INVALID_DATE"),
        ("calendars.0.teamIds.0", "INVALID_ID"),
        ("calendars.0.regions.0", "INVALID_REGION"),
        ("calendars.1.name", "DUPLICATE_NAME"),
        ("calendars.1.calendar.bogus", "UNKNOWN_FIELD"),
        ("calendars.1.teamIds.0", "DUPLICATE_TEAM"),
        ("calendars.1.regions.0", "INVALID_REGION"),
    }
    assert await _settings(client, admin) == before


async def test_a_calendar_needs_working_time_and_a_team_of_the_tenant(
    client, settings_tenant, as_beta
):
    admin = settings_tenant["admin"]
    version = (await _settings(client, admin))["version"]
    beta_team = (
        await gql(client, CREATE_TEAM, {"i": {"name": "Beta's own"}}, token=as_beta["admin"])
    ).data["createTeam"]["id"]
    response = await _update(
        client,
        admin,
        version=version,
        defaultCalendar={"weeklyHours": {}},
        calendars=[{"name": "Beta", "calendar": {"weeklyHours": WEEKDAYS}, "teamIds": [beta_team]}],
    )
    fields = {(e["field"], e["code"]) for e in response.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {
        ("defaultCalendar.weeklyHours", "NO_WORKING_TIME"),
        ("calendars.0.teamIds.0", "UNKNOWN_TEAM"),
    }


async def test_only_admins_change_settings(client, settings_tenant):
    version = (await _settings(client, settings_tenant["admin"]))["version"]
    for role in ("manager", "agent", "viewer"):
        assert (
            await _update(client, settings_tenant[role], version=version, locale="en")
        ).codes == ["FORBIDDEN"]
    read_only = await create_token(
        client, settings_tenant["admin"], ["admin:read"], name="settings-reader"
    )
    assert (await _update(client, read_only["secret"], version=version, locale="en")).codes == [
        "FORBIDDEN"
    ]
    assert (await _settings(client, read_only["secret"]))["version"] == version
    assert (await gql(client, SETTINGS)).codes == ["UNAUTHENTICATED"]


async def test_a_change_is_audited_and_emitted_once(client, settings_tenant, owner_db):
    admin = settings_tenant["admin"]
    version = (await _settings(client, admin))["version"]
    await _update(client, admin, version=version, weekStart=0)
    await _update(
        client, admin, version=version + 1, weekStart=0
    )  # no change: no entry, same version
    rows = await owner_db.fetch(
        "SELECT changes FROM audit_event WHERE tenant_id = $1 AND record_type = 'TenantSettings' ORDER BY occurred_at DESC",
        __import__("uuid").UUID(settings_tenant["id"]),
    )
    assert '"week_start": [6, 0]' in rows[0]["changes"]
    events = await owner_db.fetchval(
        "SELECT count(*) FROM outbox_event WHERE tenant_id = $1 AND event_type = 'TenantSettings.updated'",
        __import__("uuid").UUID(settings_tenant["id"]),
    )
    assert events == len(rows)
    assert (await _settings(client, admin))["version"] == version + 1
