"""RFM scores and segments checked against a Python computation over the purchases the test made
(won deals with their times placed in 2013-2014, away from other tests' deals, and ERP orders paid
then, synced from the ERP simulator); configurable thresholds; a member scores only what it may
see; bad thresholds; another tenant's customers never scored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from tests.integrations.test_sync import connection, erp, sync  # noqa: F401 - fixtures used below
from tests.reports.support import default_won_stage
from tests.reports.test_sales import raw
from tests.support.graphql import gql
from tests.support.records import make_customer, unique

AS_OF = datetime(2014, 12, 31, tzinfo=timezone.utc)
RFM = """query($asOf: DateTime, $t: RfmThresholds, $s: RfmSegment, $first: Int! = 1000) {
  customerRfm(asOf: $asOf, thresholds: $t, segment: $s, first: $first) {
    customerId name lastPurchaseAt recencyDays frequency monetary recencyScore frequencyScore monetaryScore segment
  }
}"""
SEGMENTS = """query($asOf: DateTime, $t: RfmThresholds) {
  rfmSegments(asOf: $asOf, thresholds: $t) { segment customers monetary share scores { score customers } }
}"""

# name: [(days before AS_OF, amount), ...] of won deals; the segment the default thresholds give.
PLAN = {
    "champion": ([(5, 30000), (40, 30000), (100, 30000), (200, 20000), (300, 1000)], "CHAMPIONS"),
    "loyal": ([(60, 100), (70, 100), (80, 100)], "LOYAL"),
    "new": ([(10, 2000)], "NEW"),
    "potential": ([(20, 500), (25, 500)], "POTENTIAL_LOYALISTS"),
    "attention": ([(150, 100)], "NEEDS_ATTENTION"),
    "cannot_lose": ([(400 + i, 5000) for i in range(8)], "CANNOT_LOSE"),
    "at_risk": ([(200, 100), (210, 100), (220, 100)], "AT_RISK"),
    "sleepy": ([(250, 100)], "ABOUT_TO_SLEEP"),
    "hibernating": ([(500, 100), (600, 100)], "HIBERNATING"),
    "lost": ([(700, 100)], "LOST"),
    "outside": ([(800, 100000)], None),  # before the lookback period: not scored
}
DEFAULT = {
    "recency": (30, 90, 180, 365),
    "frequency": (2, 3, 5, 8),
    "monetary": (1000, 5000, 20000, 100000),
    "lookback": 730,
}


def score(purchases: list[tuple[datetime, Decimal]], t: dict) -> dict | None:
    """The RFM line of a customer's purchases, computed here from the definitions."""
    inside = [
        (at, amount)
        for at, amount in purchases
        if AS_OF - timedelta(days=t["lookback"]) < at <= AS_OF
    ]
    if not inside:
        return None
    last = max(at for at, _ in inside)
    days = (AS_OF - last).days
    frequency, monetary = len(inside), sum((a for _, a in inside), Decimal(0))
    r = 5 - len([b for b in t["recency"] if days > b])
    f = 1 + len([b for b in t["frequency"] if frequency >= b])
    m = 1 + len([b for b in t["monetary"] if monetary >= b])
    rules = [
        ("CHAMPIONS", r >= 4 and f >= 4 and m >= 4),
        ("LOYAL", r >= 3 and f >= 3),
        ("NEW", r >= 4 and f == 1),
        ("POTENTIAL_LOYALISTS", r >= 4),
        ("NEEDS_ATTENTION", r == 3),
        ("CANNOT_LOSE", f >= 4 and m >= 4),
        ("AT_RISK", f >= 3),
        ("ABOUT_TO_SLEEP", r == 2),
        ("HIBERNATING", f >= 2),
        ("LOST", True),
    ]
    return {
        "lastPurchaseAt": last,
        "recencyDays": days,
        "frequency": frequency,
        "monetary": monetary,
        "recencyScore": r,
        "frequencyScore": f,
        "monetaryScore": m,
        "segment": next(name for name, holds in rules if holds),
    }


def _line(line: dict) -> dict:
    return {
        "lastPurchaseAt": datetime.fromisoformat(line["lastPurchaseAt"]),
        "recencyDays": line["recencyDays"],
        "frequency": line["frequency"],
        "monetary": Decimal(line["monetary"]),
        "recencyScore": line["recencyScore"],
        "frequencyScore": line["frequencyScore"],
        "monetaryScore": line["monetaryScore"],
        "segment": line["segment"],
    }


async def _purchases(client, admin, owner_db, user_ids) -> dict[str, tuple[str, list]]:
    """The customers of the plan with their won deals (times set with the owner connection), a
    lost and an open deal that do not count, and the member's customer."""
    won = await default_won_stage(client, admin)
    made = {}
    plan = {**PLAN, "members": ([(15, 700)], "NEW")}
    for name, (purchases, _) in plan.items():
        owner = {"ownerId": user_ids["member"]} if name == "members" else {}
        customer = await make_customer(client, admin, name=unique(f"RFM {name}"), **owner)
        times = []
        for days, amount in purchases:
            deal = await gql(
                client,
                "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }",
                {
                    "i": {
                        "name": unique("P"),
                        "customerId": customer["id"],
                        "amount": str(amount),
                        "stageId": won,
                        **owner,
                    }
                },
                token=admin,
            )
            assert deal.data, deal.body
            at = AS_OF - timedelta(days=days, hours=3)
            await owner_db.execute(
                "UPDATE opportunity SET closed_at = $2 WHERE id = $1",
                raw(deal.data["createOpportunity"]["id"]),
                at,
            )
            times.append((at, Decimal(amount)))
        made[name] = (customer["id"], times)
    for extra in ({"amount": "99999"},):  # an open deal of the champion: not a purchase
        await gql(
            client,
            "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }",
            {"i": {"name": unique("Open"), "customerId": made["champion"][0], **extra}},
            token=admin,
        )
    return made


async def test_rfm_scores_and_segments_match_python(client, as_alpha, user_ids, owner_db):
    admin = as_alpha["admin"]
    made = await _purchases(client, admin, owner_db, user_ids)
    lines = (await gql(client, RFM, {"asOf": AS_OF.isoformat()}, token=admin)).data["customerRfm"]
    by_id = {line["customerId"]: line for line in lines}
    for name, (customer_id, purchases) in made.items():
        expected = score(purchases, DEFAULT)
        if expected is None:
            assert customer_id not in by_id, name
            continue
        assert _line(by_id[customer_id]) == expected, name
        assert expected["segment"] == {**PLAN, "members": (None, "NEW")}[name][1], name
    # Ordered by monetary value (then frequency, recency).
    values = [Decimal(line["monetary"]) for line in lines]
    assert values == sorted(values, reverse=True)

    # One segment only, and the summary per segment.
    champions = (
        await gql(client, RFM, {"asOf": AS_OF.isoformat(), "s": "CHAMPIONS"}, token=admin)
    ).data["customerRfm"]
    assert {line["segment"] for line in champions} == {"CHAMPIONS"}
    assert made["champion"][0] in {line["customerId"] for line in champions}
    segments = (await gql(client, SEGMENTS, {"asOf": AS_OF.isoformat()}, token=admin)).data[
        "rfmSegments"
    ]
    assert [s["segment"] for s in segments] == [
        "CHAMPIONS",
        "LOYAL",
        "NEW",
        "POTENTIAL_LOYALISTS",
        "NEEDS_ATTENTION",
        "CANNOT_LOSE",
        "AT_RISK",
        "ABOUT_TO_SLEEP",
        "HIBERNATING",
        "LOST",
    ]
    counted = {s["segment"]: s for s in segments}
    for segment in counted:
        mine = [line for line in lines if line["segment"] == segment]
        assert counted[segment]["customers"] == len(mine)
        assert Decimal(counted[segment]["monetary"]) == sum(
            (Decimal(x["monetary"]) for x in mine), Decimal(0)
        )
        assert counted[segment]["share"] == str(
            (Decimal(len(mine)) / len(lines)).quantize(Decimal("0.0001"))
        )

    # Thresholds of one's own: a shorter lookback and a lower top monetary bound.
    custom = {
        "recency": (10, 30, 60, 120),
        "frequency": (2, 4, 6, 10),
        "monetary": (100, 500, 1000, 2000),
        "lookback": 365,
    }
    variables = {
        "asOf": AS_OF.isoformat(),
        "t": {
            "recencyDays": list(custom["recency"]),
            "frequency": list(custom["frequency"]),
            "monetary": [str(m) for m in custom["monetary"]],
            "lookbackDays": custom["lookback"],
        },
    }
    tuned = {
        line["customerId"]: line
        for line in (await gql(client, RFM, variables, token=admin)).data["customerRfm"]
    }
    for name, (customer_id, purchases) in made.items():
        expected = score(purchases, custom)
        assert (_line(tuned[customer_id]) if customer_id in tuned else None) == expected, name

    # The member scores its own customer and deals only.
    member = (await gql(client, RFM, {"asOf": AS_OF.isoformat()}, token=as_alpha["member"])).data[
        "customerRfm"
    ]
    assert [line["customerId"] for line in member] == [made["members"][0]]


async def test_erp_orders_count_as_purchases_at_their_payment(client, as_alpha, erp, connection):  # noqa: F811 - fixtures
    admin = as_alpha["admin"]
    name = unique("Erp RFM")
    erp.put("customers", "RFM1", name=name, region="North")
    paid = [AS_OF - timedelta(days=3), AS_OF - timedelta(days=50), AS_OF - timedelta(days=1000)]
    for index, at in enumerate(paid):
        erp.put(
            "orders",
            f"RFM-O{index}",
            customer_id="RFM1",
            amount="1500.00",
            status="PAID",
            paid_at=at.isoformat(),
        )
    await sync(client, admin, connection)
    lines = (await gql(client, RFM, {"asOf": AS_OF.isoformat()}, token=admin)).data["customerRfm"]
    [line] = [line for line in lines if line["name"] == name]
    assert _line(line) == score([(at, Decimal("1500.00")) for at in paid], DEFAULT)
    assert (line["frequency"], line["recencyDays"], line["segment"]) == (
        2,
        3,
        "POTENTIAL_LOYALISTS",
    )


async def test_bad_thresholds_and_other_tenants(client, as_alpha, as_beta):
    bad = await gql(
        client,
        RFM,
        {"t": {"recencyDays": [90, 30, 180, 365], "frequency": [1, 2], "lookbackDays": 0}},
        token=as_alpha["admin"],
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    assert sorted(e["field"] for e in bad.errors[0]["extensions"]["fieldErrors"]) == [
        "thresholds.frequency",
        "thresholds.lookbackDays",
        "thresholds.recencyDays",
    ]
    too_many = await gql(client, RFM, {"first": 0}, token=as_alpha["admin"])
    assert too_many.codes == ["BAD_USER_INPUT"]
    # Beta never scores alpha's customers (alpha's purchases are placed in 2014).
    beta = (await gql(client, RFM, {"asOf": AS_OF.isoformat()}, token=as_beta["admin"])).data[
        "customerRfm"
    ]
    assert not [line for line in beta if line["name"].startswith("RFM ")]
