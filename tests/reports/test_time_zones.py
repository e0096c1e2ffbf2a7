"""Buckets and relative ranges follow the tenant's zone and week start: a moment belongs to the
local calendar day, month edges and daylight-saving changes included."""

from __future__ import annotations

from tests.reports.support import aggregate, by_keys, set_calendar, totals
from tests.support.custom import make_object
from tests.support.graphql import gql

BULK = "mutation($input: BulkCreateRecordsInput!) { createRecords(input: $input) { id } }"


async def _moments(client, admin, moments):
    name = await make_object(client, admin, [{"apiName": "at", "type": "DATETIME"}], stem="moment")
    created = await gql(
        client,
        BULK,
        {"input": {"object": name, "items": [{"values": {"at": m}} for m in moments]}},
        token=admin,
    )
    assert created.data
    return name


async def test_month_edges_follow_the_tenant_zone(client, as_alpha):
    admin = as_alpha["admin"]
    # 16:00 UTC on 31 March is midnight of 1 April in Shanghai.
    name = await _moments(
        client,
        admin,
        ["2026-03-31T15:59:59+00:00", "2026-03-31T16:00:00+00:00", "2026-04-30T16:30:00+00:00"],
    )
    months = {
        "UTC": {"2026-03-01": 2, "2026-04-01": 1},
        "Asia/Shanghai": {"2026-03-01": 1, "2026-04-01": 1, "2026-05-01": 1},
    }
    for zone, expected in months.items():
        await set_calendar(client, admin, zone)
        result = (
            await aggregate(client, admin, name, groupBy=[{"field": "at", "bucket": "MONTH"}])
        ).data["aggregate"]
        assert {k[0]: int(m["count"]) for k, m in by_keys(result).items()} == expected, zone


async def test_days_across_daylight_saving_changes_and_relative_ranges(client, as_alpha):
    admin = as_alpha["admin"]
    await set_calendar(client, admin, "Europe/Berlin")
    # Berlin moves to summer time at 01:00 UTC on 29 March 2026: that local day lasts 23 hours,
    # from 23:00 UTC on the 28th to 22:00 UTC on the 29th.
    moments = [
        "2026-03-28T22:59:59+00:00",
        "2026-03-28T23:00:00+00:00",
        "2026-03-29T21:59:59+00:00",
        "2026-03-29T22:00:00+00:00",
        "2026-10-24T22:00:00+00:00",
        "2026-10-25T22:59:59+00:00",
        "2026-10-25T23:00:00+00:00",
    ]  # the 25 October local day lasts 25 hours
    name = await _moments(client, admin, moments)
    result = (
        await aggregate(client, admin, name, groupBy=[{"field": "at", "bucket": "DAY"}])
    ).data["aggregate"]
    assert {k[0]: int(m["count"]) for k, m in by_keys(result).items()} == {
        "2026-03-28": 1,
        "2026-03-29": 2,
        "2026-03-30": 1,
        "2026-10-25": 2,
        "2026-10-26": 1,
    }
    today = await aggregate(
        client,
        admin,
        name,
        periods=[{"field": "at", "range": "TODAY"}],
        asOf="2026-03-29T12:00:00+00:00",
    )
    assert totals(today.data["aggregate"])["count"] == 2
    october = await aggregate(
        client,
        admin,
        name,
        periods=[{"field": "at", "range": "YESTERDAY"}],
        asOf="2026-10-26T08:00:00+01:00",
    )
    assert totals(october.data["aggregate"])["count"] == 2


async def test_weeks_start_on_the_tenants_first_day(client, as_alpha):
    admin = as_alpha["admin"]
    name = await _moments(
        client,
        admin,
        ["2026-05-16T12:00:00+00:00", "2026-05-17T12:00:00+00:00", "2026-05-18T12:00:00+00:00"],
    )
    for week_start, expected in (
        (0, {"2026-05-11": 2, "2026-05-18": 1}),
        (6, {"2026-05-10": 1, "2026-05-17": 2}),
    ):
        await set_calendar(client, admin, "UTC", week_start)
        result = (
            await aggregate(client, admin, name, groupBy=[{"field": "at", "bucket": "WEEK"}])
        ).data["aggregate"]
        assert {k[0]: int(m["count"]) for k, m in by_keys(result).items()} == expected, week_start
        # Seen from Saturday 16 May: the week of the 11th (Monday first), or of the 10th (Sunday first).
        this_week = await aggregate(
            client,
            admin,
            name,
            periods=[{"field": "at", "range": "THIS_WEEK"}],
            asOf="2026-05-16T20:00:00+00:00",
        )
        assert totals(this_week.data["aggregate"])["count"] == (2 if week_start == 0 else 1)
