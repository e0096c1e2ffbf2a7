"""aggregate over custom and standard objects: every measure checked against the same numbers
computed in Python from the values the test wrote, grouping on one to three levels, date buckets,
related records' fields, relative periods, ordering and limits."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from tests.reports.support import aggregate, by_keys, close, key_of, percentile, totals
from tests.support.custom import field_codes, make_object
from tests.support.graphql import gql
from tests.support.records import make_customer, unique

BULK = "mutation($input: BulkCreateRecordsInput!) { createRecords(input: $input) { id } }"
REGIONS = ["NORTH", "SOUTH", "EAST"]


async def _sales_object(client, admin):
    """An object of 40 sales with a region, an amount, units, a signing date, a moment and a flag."""
    name = await make_object(
        client,
        admin,
        [
            dict(apiName="region", type="SINGLE_SELECT", config={"options": REGIONS}),
            dict(apiName="amount", type="DECIMAL"),
            dict(apiName="units", type="INTEGER"),
            dict(apiName="signed", type="DATE"),
            dict(apiName="seen", type="DATETIME"),
            dict(apiName="vip", type="BOOLEAN"),
        ],
        stem="sale",
    )
    rng = random.Random(16)
    values = []
    for index in range(40):
        item = {
            "region": rng.choice(REGIONS),
            "amount": f"{rng.randint(100, 99999) / 100:.2f}",
            "units": rng.randint(1, 9),
            "signed": (date(2026, 1, 1) + timedelta(days=rng.randint(0, 180))).isoformat(),
            "seen": (
                datetime(2026, 1, 1, tzinfo=timezone.utc)
                + timedelta(minutes=rng.randint(0, 60 * 24 * 180))
            ).isoformat(),
            "vip": rng.random() < 0.4,
        }
        if index % 10 == 9:
            del item["amount"]  # a missing value is not counted by COUNT(field), SUM, AVG...
        values.append(item)
    created = await gql(
        client,
        BULK,
        {"input": {"object": name, "items": [{"values": v} for v in values]}},
        token=admin,
    )
    assert len(created.data["createRecords"]) == 40
    return name, values


async def test_every_measure_by_region_matches_a_python_computation(client, as_alpha):
    admin = as_alpha["admin"]
    name, values = await _sales_object(client, admin)
    measures = [
        {"function": "COUNT"},
        {"function": "COUNT", "field": "amount"},
        {"function": "COUNT_DISTINCT", "field": "units"},
        {"function": "SUM", "field": "amount"},
        {"function": "AVG", "field": "amount"},
        {"function": "MIN", "field": "amount"},
        {"function": "MAX", "field": "amount"},
        {"function": "P50", "field": "amount"},
        {"function": "P90", "field": "amount"},
        {"function": "MIN", "field": "signed"},
        {"function": "P90", "field": "signed", "alias": "late"},
    ]
    result = (
        await aggregate(client, admin, name, groupBy=[{"field": "region"}], measures=measures)
    ).data["aggregate"]

    def expected(rows):
        amounts = [Decimal(r["amount"]) for r in rows if "amount" in r]
        signed = sorted(r["signed"] for r in rows)
        return {
            "count": len(rows),
            "count_amount": len(amounts),
            "count_distinct_units": len({r["units"] for r in rows}),
            "sum_amount": sum(amounts),
            "avg_amount": sum(amounts) / len(amounts),
            "min_amount": min(amounts),
            "max_amount": max(amounts),
            "p50_amount": percentile(amounts, 0.5),
            "p90_amount": percentile(amounts, 0.9),
            "min_signed": signed[0],
            "late": signed[max(0, -(-9 * len(signed) // 10) - 1)],
        }

    groups = defaultdict(list)
    for row in values:
        groups[row["region"]].append(row)
    got = by_keys(result)
    assert set(got) == {(region,) for region in groups}
    for region, rows in groups.items():
        want = expected(rows)
        for measure, value in want.items():
            actual = got[(region,)][measure]
            assert close(actual, value) if isinstance(value, Decimal) else actual == value, (
                region,
                measure,
                actual,
                value,
            )
    want_all = expected(values)
    for measure, value in want_all.items():
        assert (
            close(totals(result)[measure], value)
            if isinstance(value, Decimal)
            else totals(result)[measure] == value
        )
    assert [row["keys"][0]["label"] for row in result["rows"]] == sorted(
        groups
    )  # ordered by key by default
    assert result["totals"]["keys"] == [] and result["truncated"] is False


async def test_three_levels_with_month_buckets_ordering_and_first(client, as_alpha):
    admin = as_alpha["admin"]
    name, values = await _sales_object(client, admin)
    result = (
        await aggregate(
            client,
            admin,
            name,
            groupBy=[{"field": "region"}, {"field": "vip"}, {"field": "signed", "bucket": "MONTH"}],
            measures=[{"function": "SUM", "field": "units", "alias": "units"}],
            orderBy=[{"target": "units", "direction": "DESC"}],
            first=5,
        )
    ).data["aggregate"]
    sums: dict[tuple, int] = defaultdict(int)
    for row in values:
        sums[(row["region"], row["vip"], row["signed"][:8] + "01")] += row["units"]
    got = by_keys(result)
    assert len(result["rows"]) == 5 and result["truncated"] is True
    for keys, measures in got.items():
        assert measures["units"] == sums[keys]
    ranked = [m["units"] for m in got.values()]
    assert ranked == sorted(sums.values(), reverse=True)[:5]
    assert totals(result)["units"] == sum(r["units"] for r in values)
    assert (
        result["rows"][0]["keys"][2]["bucket"] == "MONTH"
        and result["rows"][0]["keys"][2]["type"] == "DATE"
    )


async def test_datetimes_bucket_by_week_quarter_and_year_and_filters_apply(client, as_alpha):
    admin = as_alpha["admin"]
    name, values = await _sales_object(client, admin)
    kept = [v for v in values if v["vip"] and v["units"] >= 3]
    filter_ = {"and": [{"field": "vip", "eq": True}, {"field": "units", "gte": 3}]}
    for bucket, start_of in {
        "WEEK": lambda d: d - timedelta(days=d.weekday()),
        "QUARTER": lambda d: date(d.year, 3 * ((d.month - 1) // 3) + 1, 1),
        "YEAR": lambda d: date(d.year, 1, 1),
    }.items():
        result = (
            await aggregate(
                client, admin, name, filter=filter_, groupBy=[{"field": "seen", "bucket": bucket}]
            )
        ).data["aggregate"]
        counts: dict[tuple, int] = defaultdict(int)
        for row in kept:
            counts[(start_of(datetime.fromisoformat(row["seen"]).date()).isoformat(),)] += 1
        assert {k: m["count"] for k, m in by_keys(result).items()} == counts, bucket
        assert totals(result)["count"] == len(kept)


async def test_a_related_records_field_groups_one_level_deep_on_custom_and_standard_objects(
    client, as_alpha
):
    admin = as_alpha["admin"]
    gold = await make_customer(client, admin, tier="GOLD", name=unique("Gold"))
    silver = await make_customer(client, admin, tier="SILVER", name=unique("Silver"))
    invoice = await make_object(
        client,
        admin,
        [
            dict(apiName="customer", type="RELATION", config={"target": "Customer"}),
            dict(apiName="total", type="DECIMAL"),
        ],
        stem="invoice",
    )
    items = [(gold, "10"), (gold, "5.5"), (silver, "7"), (None, "1")]
    await gql(
        client,
        BULK,
        {
            "input": {
                "object": invoice,
                "items": [
                    {"values": {"total": t, **({"customer": c["id"]} if c else {})}}
                    for c, t in items
                ],
            }
        },
        token=admin,
    )
    result = (
        await aggregate(
            client,
            admin,
            invoice,
            groupBy=[{"field": "customer.tier"}, {"field": "customer"}],
            measures=[{"function": "SUM", "field": "total"}],
        )
    ).data["aggregate"]
    got = {(k[0], k[1]): m["sum_total"] for k, m in by_keys(result).items()}
    assert got == {
        ("GOLD", gold["id"]): Decimal("15.5"),
        ("SILVER", silver["id"]): Decimal("7"),
        (None, None): Decimal("1"),
    }
    labels = {row["keys"][1]["id"]: row["keys"][1]["label"] for row in result["rows"]}
    assert labels == {gold["id"]: gold["name"], silver["id"]: silver["name"], None: None}

    # A standard object through its reference: opportunities by their customer's tier and by stage.
    for customer, amount in ((gold, "100"), (gold, "50"), (silver, "30")):
        made = await gql(
            client,
            "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }",
            {"i": {"name": unique("Deal"), "customerId": customer["id"], "amount": amount}},
            token=admin,
        )
        assert made.data
    mine = {"field": "customerId", "in": [gold["id"], silver["id"]]}
    result = (
        await aggregate(
            client,
            admin,
            "Opportunity",
            filter=mine,
            groupBy=[{"field": "customer.tier"}, {"field": "stageId"}],
            measures=[
                {"function": "SUM", "field": "amount"},
                {"function": "AVG", "field": "probability"},
            ],
        )
    ).data["aggregate"]
    rows = {
        (row["keys"][0]["text"], row["keys"][1]["label"]): row["values"][0]["number"]
        for row in result["rows"]
    }
    assert {k[0]: Decimal(v) for k, v in rows.items()} == {
        "GOLD": Decimal("150"),
        "SILVER": Decimal("30"),
    }
    assert all(stage for _, stage in rows)  # the stage's name labels its id
    assert result["rows"][0]["keys"][1]["id"].startswith("U3RhZ2U")  # a Stage global id


async def test_users_group_with_their_names_and_counts_follow_owners(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="n", type="INTEGER")], stem="owned")
    owners = ["admin", "member", "member", "manager"]
    for owner in owners:
        await gql(
            client,
            "mutation($i: CreateRecordInput!) { createRecord(input: $i) { id } }",
            {"i": {"object": name, "values": {"n": 1}, "ownerId": user_ids[owner]}},
            token=admin,
        )
    result = (await aggregate(client, admin, name, groupBy=[{"field": "ownerId"}])).data[
        "aggregate"
    ]
    counts = {
        row["keys"][0]["id"]: (row["keys"][0]["label"], row["values"][0]["number"])
        for row in result["rows"]
    }
    assert {key: int(n) for key, (_, n) in counts.items()} == {
        user_ids[o]: owners.count(o) for o in set(owners)
    }
    assert all(label for label, _ in counts.values())


async def test_relative_periods_keep_the_calendar_range_seen_from_as_of(client, as_alpha):
    admin = as_alpha["admin"]
    name, values = await _sales_object(client, admin)
    as_of = "2026-05-20T10:00:00+00:00"
    cases = {
        ("LAST_MONTH", None): lambda d: date(2026, 4, 1) <= d < date(2026, 5, 1),
        ("THIS_QUARTER", None): lambda d: date(2026, 4, 1) <= d < date(2026, 7, 1),
        ("LAST_QUARTER", None): lambda d: date(2026, 1, 1) <= d < date(2026, 4, 1),
        ("LAST_N_DAYS", 30): lambda d: date(2026, 4, 21) <= d <= date(2026, 5, 20),
        ("THIS_WEEK", None): lambda d: date(2026, 5, 18) <= d < date(2026, 5, 25),
    }
    for (range_, days), keep in cases.items():
        for field in ("signed", "seen"):
            period = {"field": field, "range": range_, **({"days": days} if days else {})}
            result = (await aggregate(client, admin, name, periods=[period], asOf=as_of)).data[
                "aggregate"
            ]
            want = sum(1 for v in values if keep(date.fromisoformat(v[field][:10])))
            assert totals(result)["count"] == want, (range_, field)


async def test_month_edges_fall_in_the_right_bucket(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="at", type="DATETIME")], stem="edge")
    moments = [
        "2026-03-31T23:59:59.999+00:00",
        "2026-04-01T00:00:00+00:00",
        "2026-04-30T23:59:59+00:00",
        "2026-05-01T00:00:00+00:00",
    ]
    await gql(
        client,
        BULK,
        {"input": {"object": name, "items": [{"values": {"at": m}} for m in moments]}},
        token=admin,
    )
    result = (
        await aggregate(client, admin, name, groupBy=[{"field": "at", "bucket": "MONTH"}])
    ).data["aggregate"]
    assert {k[0]: int(m["count"]) for k, m in by_keys(result).items()} == {
        "2026-03-01": 1,
        "2026-04-01": 2,
        "2026-05-01": 1,
    }
    result = (
        await aggregate(client, admin, name, groupBy=[{"field": "createdAt", "bucket": "YEAR"}])
    ).data["aggregate"]
    assert (
        len(result["rows"]) == 1
        and key_of(result["rows"][0]["keys"][0]) == f"{datetime.now(timezone.utc).year}-01-01"
    )


async def test_no_records_gives_zero_totals(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="x", type="DECIMAL")], stem="empty")
    result = (
        await aggregate(
            client,
            admin,
            name,
            groupBy=[{"field": "x"}],
            measures=[{"function": "COUNT"}, {"function": "SUM", "field": "x"}],
        )
    ).data["aggregate"]
    assert result["rows"] == [] and totals(result) == {"count": Decimal(0), "sum_x": None}


async def test_bad_input_names_every_failing_field(client, as_alpha):
    admin = as_alpha["admin"]
    name, _ = await _sales_object(client, admin)
    response = await aggregate(
        client,
        admin,
        name,
        groupBy=[
            {"field": "nope"},
            {"field": "region", "bucket": "MONTH"},
            {"field": "vip"},
            {"field": "units"},
        ],
        measures=[
            {"function": "SUM", "field": "region"},
            {"function": "AVG"},
            {"function": "COUNT", "alias": "n"},
            {"function": "MAX", "field": "vip", "alias": "n"},
        ],
        orderBy=[{"target": "ghost"}],
        periods=[{"field": "units", "range": "LAST_N_DAYS"}],
        filter={"field": "amount", "like": "1%"},
        first=0,
    )
    assert field_codes(response) == {
        "groupBy": "TOO_MANY",
        "groupBy.0.field": "NOT_GROUPABLE",
        "groupBy.1.bucket": "NOT_A_DATE",
        "measures.0.field": "NOT_MEASURABLE",
        "measures.1.field": "REQUIRED",
        "measures.2.alias": "DUPLICATE",
        "measures.3.alias": "DUPLICATE",
        "measures.3.field": "NOT_MEASURABLE",
        "orderBy.0.target": "UNKNOWN",
        "periods.0.days": "OUT_OF_RANGE",
        "periods.0.field": "NOT_A_DATE",
        "first": "OUT_OF_RANGE",
        "filter.amount": "BAD_OPERATOR",
    }
    unknown = await aggregate(client, admin, "NoSuchObject")
    assert unknown.codes == ["NOT_FOUND"]
    bad_id = await aggregate(
        client, admin, "Opportunity", filter={"field": "customerId", "eq": "not-an-id"}
    )
    assert field_codes(bad_id) == {"filter.customerId": "INVALID_ID"}
