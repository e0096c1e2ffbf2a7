"""Campaign touches (recorded by every path that links a lead or contact to a campaign) and
first-/last-touch attribution, checked against a Python computation over the rows the test made
(read back raw with the owner connection; times placed in 2017, away from other tests' records);
a member's attribution counts only what it may see; another tenant's touches are never seen."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal

import asyncpg
import pytest

from tests.reports.support import default_won_stage
from tests.reports.test_sales import raw
from tests.support.data import run_import, uploaded
from tests.support.graphql import gql
from tests.support.records import make_customer, unique

WINDOW = {"start": "2017-06-01T00:00:00+00:00", "end": "2017-07-01T00:00:00+00:00"}
ATTRIBUTION = (
    "query($w: ReportWindow!, $by: CampaignDimension) { campaignAttribution(period: $w, by: $by) { campaignId "
    "name channel cost firstTouchDeals firstTouchRevenue lastTouchDeals lastTouchRevenue firstTouchRoi lastTouchRoi } }"
)
TOUCHES = (
    "query($id: ID!) { campaignTouches(recordId: $id) { campaignId recordId touchedAt kind } }"
)


def at(month: int, day: int) -> datetime:
    return datetime(2017, month, day, tzinfo=timezone.utc)


async def _create(client, token, name: str, fields: dict) -> dict:
    response = await gql(
        client,
        f"mutation($i: Create{name}Input!) {{ create{name}(input: $i) {{ id version }} }}",
        {"i": fields},
        token=token,
    )
    assert response.data, response.body
    return response.data[f"create{name}"]


async def _win(client, token, deal: dict, won_stage: str, owner_db, closed: datetime) -> None:
    response = await gql(
        client,
        "mutation($i: UpdateOpportunityInput!) { updateOpportunity(input: $i) { id } }",
        {"i": {"id": deal["id"], "version": deal["version"], "stageId": won_stage}},
        token=token,
    )
    assert response.data, response.body
    await owner_db.execute(
        "UPDATE opportunity SET closed_at = $2 WHERE id = $1", raw(deal["id"]), closed
    )


async def _retime(owner_db, record: str, campaign: str, when: datetime) -> None:
    changed = await owner_db.execute(
        "UPDATE campaign_touch SET touched_at = $3 WHERE record_id = $1 AND campaign_id = $2",
        raw(record),
        raw(campaign),
        when,
    )
    assert changed == "UPDATE 1", (record, campaign, changed)


async def _touches(client, token, record_id: str) -> list[tuple[str, str]]:
    response = await gql(client, TOUCHES, {"id": record_id}, token=token)
    assert response.data, response.body
    return [(t["campaignId"], t["kind"]) for t in response.data["campaignTouches"]]


async def _scenario(client, as_alpha, user_ids, owner_db) -> dict:
    """Campaigns A (ADS), B (EVENT), C (ADS); deals won in June 2017 reached through leads,
    conversions, customers' contacts and primary contacts; one deal with no touch."""
    admin = as_alpha["admin"]
    member_id = user_ids["member"]
    campaigns = {
        name: (await _create(client, admin, "Campaign", {"name": unique(name), **fields}))["id"]
        for name, fields in (
            ("A", {"channel": "ADS", "cost": "1000"}),
            ("B", {"channel": "EVENT", "cost": "400"}),
            ("C", {"channel": "ADS"}),
        )
    }
    won = await default_won_stage(client, admin)
    made: dict[str, str] = {}

    # 1. A lead created with A, moved to B, converted with a deal: its contact is linked to B.
    lead = await _create(
        client, admin, "Lead", {"companyName": unique("L1"), "campaignId": campaigns["A"]}
    )
    updated = await gql(
        client,
        "mutation($i: UpdateLeadInput!) { updateLead(input: $i) { id } }",
        {"i": {"id": lead["id"], "version": lead["version"], "campaignId": campaigns["B"]}},
        token=admin,
    )
    assert updated.data, updated.body
    converted = await gql(
        client,
        "mutation($i: ConvertLeadInput!) { convertLead(input: $i) { convertedContact { id } "
        "convertedOpportunity { id version amount } convertedCustomer { id } } }",
        {"i": {"leadId": lead["id"], "createOpportunity": True, "opportunity": {"amount": "5000"}}},
        token=admin,
    )
    assert converted.data, converted.body
    conversion = converted.data["convertLead"]
    contact1 = conversion["convertedContact"]["id"]
    assert await _touches(client, admin, lead["id"]) == [
        (campaigns["A"], "CREATED"),
        (campaigns["B"], "CHANGED"),
    ]
    assert await _touches(client, admin, contact1) == [(campaigns["B"], "DEAL")]
    await _retime(owner_db, lead["id"], campaigns["A"], at(1, 5))
    await _retime(owner_db, lead["id"], campaigns["B"], at(3, 1))
    await _retime(owner_db, contact1, campaigns["B"], at(4, 1))
    await _win(client, admin, conversion["convertedOpportunity"], won, owner_db, at(6, 10))
    made["d1"] = conversion["convertedOpportunity"]["id"]

    # 2. A customer's contact is primary contact of a deal of C (won), then of an open deal of A
    #    after the first was won: the later touch does not count for the won deal.
    customer2 = await make_customer(client, admin, name=unique("K2"))
    contact2 = await _create(
        client, admin, "Contact", {"name": unique("P2"), "customerId": customer2["id"]}
    )
    deal2 = await _create(
        client,
        admin,
        "Opportunity",
        {
            "name": unique("D2"),
            "customerId": customer2["id"],
            "primaryContactId": contact2["id"],
            "campaignId": campaigns["C"],
            "amount": "300",
        },
    )
    await _create(
        client,
        admin,
        "Opportunity",
        {
            "name": unique("D2b"),
            "customerId": customer2["id"],
            "primaryContactId": contact2["id"],
            "campaignId": campaigns["A"],
        },
    )
    await _retime(owner_db, contact2["id"], campaigns["C"], at(5, 1))
    await _retime(owner_db, contact2["id"], campaigns["A"], at(6, 25))
    await _win(client, admin, deal2, won, owner_db, at(6, 20))
    made["d2"] = deal2["id"]

    # 3. A won deal with no touch at all.
    customer3 = await make_customer(client, admin, name=unique("K3"))
    deal3 = await _create(
        client,
        admin,
        "Opportunity",
        {"name": unique("D3"), "customerId": customer3["id"], "amount": "200"},
    )
    await _win(client, admin, deal3, won, owner_db, at(6, 15))
    made["d3"] = deal3["id"]

    # 4. The member's deal: an admin's lead of A converted into the member's customer (hidden from
    #    the member), and the member's contact, primary contact of the deal of B.
    customer4 = await make_customer(client, admin, name=unique("K4"), ownerId=member_id)
    lead4 = await _create(
        client, admin, "Lead", {"companyName": unique("L4"), "campaignId": campaigns["A"]}
    )
    converted4 = await gql(
        client,
        "mutation($i: ConvertLeadInput!) { convertLead(input: $i) { convertedContact { id } } }",
        {"i": {"leadId": lead4["id"], "customerId": customer4["id"]}},
        token=admin,
    )
    assert converted4.data, converted4.body
    contact4a = converted4.data["convertLead"]["convertedContact"]["id"]
    assert await _touches(client, admin, contact4a) == [(campaigns["A"], "CONVERTED")]
    contact4 = await _create(
        client,
        admin,
        "Contact",
        {"name": unique("P4"), "customerId": customer4["id"], "ownerId": member_id},
    )
    deal4 = await _create(
        client,
        admin,
        "Opportunity",
        {
            "name": unique("D4"),
            "customerId": customer4["id"],
            "primaryContactId": contact4["id"],
            "campaignId": campaigns["B"],
            "amount": "800",
            "ownerId": member_id,
        },
    )
    await _retime(owner_db, lead4["id"], campaigns["A"], at(2, 1))
    await _retime(owner_db, contact4a, campaigns["A"], at(2, 2))
    await _retime(owner_db, contact4["id"], campaigns["B"], at(5, 5))
    await _win(client, admin, deal4, won, owner_db, at(6, 5))
    made["d4"] = deal4["id"]
    return {"campaigns": campaigns, "deals": made}


async def _expected(owner_db, scenario: dict, viewer: uuid.UUID | None) -> dict:
    """{campaign raw id or None: (first deals, first revenue, last deals, last revenue)} computed in
    Python from the raw rows: a deal's people are the leads converted into it or its customer, its
    customer's contacts and its primary contact (those `viewer` owns, or all for None)."""
    deal_ids = [raw(d) for d in scenario["deals"].values()]
    deals = await owner_db.fetch(
        "SELECT id, amount, closed_at, customer_id, primary_contact_id, owner_id FROM opportunity WHERE id = ANY($1)",
        deal_ids,
    )
    customers = [d["customer_id"] for d in deals]
    leads = await owner_db.fetch(
        "SELECT id, converted_customer_id, converted_opportunity_id, owner_id FROM lead "
        "WHERE converted_customer_id = ANY($1) OR converted_opportunity_id = ANY($2)",
        customers,
        deal_ids,
    )
    contacts = await owner_db.fetch(
        "SELECT id, customer_id, owner_id FROM contact WHERE customer_id = ANY($1)", customers
    )
    touches = await owner_db.fetch(
        "SELECT id, record_id, campaign_id, touched_at FROM campaign_touch WHERE record_id = ANY($1)",
        [p["id"] for p in [*leads, *contacts]],
    )
    seen = lambda row: viewer is None or row["owner_id"] == viewer  # noqa: E731 - a short predicate
    result: dict = {}
    for deal in deals:
        if not seen(deal):
            continue
        people = {
            p["id"]
            for p in leads
            if seen(p)
            and (
                p["converted_opportunity_id"] == deal["id"]
                or p["converted_customer_id"] == deal["customer_id"]
            )
        } | {
            p["id"]
            for p in contacts
            if seen(p)
            and (p["id"] == deal["primary_contact_id"] or p["customer_id"] == deal["customer_id"])
        }
        mine = sorted(
            (
                t
                for t in touches
                if t["record_id"] in people and t["touched_at"] <= deal["closed_at"]
            ),
            key=lambda t: (t["touched_at"], t["id"]),
        )
        first = mine[0]["campaign_id"] if mine else None
        last = max(mine, key=lambda t: t["touched_at"])["campaign_id"] if mine else None
        for campaign, slot in ((first, 0), (last, 2)):
            line = result.setdefault(campaign, [0, Decimal(0), 0, Decimal(0)])
            line[slot] += 1
            line[slot + 1] += deal["amount"]
    return {k: tuple(v) for k, v in result.items()}


def _actual(lines: list[dict], campaigns: dict[str, str]) -> dict:
    mine = {raw(c) for c in campaigns.values()}
    return {
        raw(line["campaignId"]): (
            line["firstTouchDeals"],
            Decimal(line["firstTouchRevenue"]),
            line["lastTouchDeals"],
            Decimal(line["lastTouchRevenue"]),
        )
        for line in lines
        if line["campaignId"]
        and raw(line["campaignId"]) in mine
        and (line["firstTouchDeals"] or line["lastTouchDeals"])
    }


async def test_touches_and_attribution_match_python(client, as_alpha, user_ids, owner_db):
    admin = as_alpha["admin"]
    scenario = await _scenario(client, as_alpha, user_ids, owner_db)
    campaigns = scenario["campaigns"]
    lines = (await gql(client, ATTRIBUTION, {"w": WINDOW}, token=admin)).data["campaignAttribution"]
    expected = await _expected(owner_db, scenario, None)
    unattributed = expected.pop(None)
    assert _actual(lines, campaigns) == expected
    # The plan, spelled out: D1 (5000) first A, last B; D2 (300) C (the later A touch does not
    # count); D4 (800) first A (the admin's lead), last B; D3 (200) has no touch.
    a, b, c = (raw(campaigns[n]) for n in "ABC")
    assert expected == {
        a: (2, Decimal(5800), 0, Decimal(0)),
        b: (0, Decimal(0), 2, Decimal(5800)),
        c: (1, Decimal(300), 1, Decimal(300)),
    }
    assert unattributed[0] >= 1 and unattributed[1] >= Decimal(200)
    by_id = {line["campaignId"]: line for line in lines}
    assert by_id[campaigns["A"]]["cost"] == "1000.00"
    assert by_id[campaigns["A"]]["firstTouchRoi"] == str(
        ((Decimal(5800) - 1000) / 1000).quantize(Decimal("0.0001"))
    )
    assert by_id[campaigns["B"]]["lastTouchRoi"] == str(
        ((Decimal(5800) - 400) / 400).quantize(Decimal("0.0001"))
    )
    assert by_id[campaigns["C"]]["firstTouchRoi"] is None  # no cost

    # By channel: A and C are ADS, B is EVENT (other tests' campaigns may share the channels, but
    # no other test wins deals in June 2017).
    channels = (await gql(client, ATTRIBUTION, {"w": WINDOW, "by": "CHANNEL"}, token=admin)).data[
        "campaignAttribution"
    ]
    by_channel = {line["channel"]: line for line in channels if line["channel"]}
    assert (by_channel["ADS"]["firstTouchDeals"], by_channel["ADS"]["firstTouchRevenue"]) == (
        3,
        "6100.00",
    )
    assert (by_channel["EVENT"]["lastTouchDeals"], by_channel["EVENT"]["lastTouchRevenue"]) == (
        2,
        "5800.00",
    )

    # The member sees its deal D4 and its own contact only: B is first and last touch.
    member_lines = (await gql(client, ATTRIBUTION, {"w": WINDOW}, token=as_alpha["member"])).data[
        "campaignAttribution"
    ]
    member_expected = await _expected(owner_db, scenario, raw(user_ids["member"]))
    member_expected.pop(None, None)
    assert (
        _actual(member_lines, campaigns)
        == member_expected
        == {b: (1, Decimal(800), 1, Decimal(800))}
    )


async def test_touches_follow_bulk_writes_and_imports(client, as_alpha):
    admin = as_alpha["admin"]
    campaign = (
        await _create(client, admin, "Campaign", {"name": unique("Bulk"), "channel": "EMAIL"})
    )["id"]
    bulk = await gql(
        client,
        "mutation($i: BulkCreateLeadsInput!) { bulkCreateLeads(input: $i) { id } }",
        {
            "i": {
                "items": [
                    {"personName": unique("B1"), "campaignId": campaign},
                    {"personName": unique("B2")},
                ]
            }
        },
        token=admin,
    )
    assert bulk.data, bulk.body
    first, second = (lead["id"] for lead in bulk.data["bulkCreateLeads"])
    assert await _touches(client, admin, first) == [(campaign, "CREATED")]
    assert await _touches(client, admin, second) == []

    # An import job's links are IMPORTED touches.
    name = unique("Imported")
    file_id = await uploaded(
        client, admin, f"personName,campaignId\r\n{name},{raw(campaign)}\r\n".encode()
    )
    job = await run_import(client, admin, fileId=file_id, object="Lead")
    assert job["result"]["created"] == 1, job
    found = await gql(
        client,
        "query($n: String!) { leads(filter: {personName: {eq: $n}}) { edges { node { id } } } }",
        {"n": name},
        token=admin,
    )
    imported = found.data["leads"]["edges"][0]["node"]["id"]
    assert await _touches(client, admin, imported) == [(campaign, "IMPORTED")]


async def test_touches_and_attribution_stay_in_their_tenant(
    client, as_alpha, as_beta, owner_db, app_db, tenants
):
    admin = as_alpha["admin"]
    campaign = (
        await _create(
            client, admin, "Campaign", {"name": unique("Iso"), "channel": "ADS", "cost": "10"}
        )
    )["id"]
    lead = await _create(client, admin, "Lead", {"personName": unique("I"), "campaignId": campaign})
    # Beta can neither read alpha's touches through the API ...
    response = await gql(client, TOUCHES, {"id": lead["id"]}, token=as_beta["admin"])
    assert response.data == {"campaignTouches": []}
    lines = (await gql(client, ATTRIBUTION, {"w": WINDOW}, token=as_beta["admin"])).data[
        "campaignAttribution"
    ]
    assert campaign not in {line["campaignId"] for line in lines}
    # ... nor in the database, where it cannot write one for alpha either.
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM campaign_touch WHERE record_id = $1", raw(lead["id"])
            )
            == 0
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            await app_db.execute(
                "INSERT INTO campaign_touch (tenant_id, id, campaign_id, record_type, record_id, kind) "
                "VALUES ($1, gen_random_uuid(), $2, 'Lead', $3, 'CREATED')",
                uuid.UUID(tenants["alpha"].id),
                raw(campaign),
                raw(lead["id"]),
            )
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM campaign_touch WHERE record_id = $1", raw(lead["id"])
            )
            == 1
        )


async def test_attribution_refuses_bad_windows(client, as_alpha):
    response = await gql(
        client,
        ATTRIBUTION,
        {"w": {"start": "2017-07-01T00:00:00+00:00", "end": "2017-06-01T00:00:00+00:00"}},
        token=as_alpha["admin"],
    )
    assert response.codes == ["BAD_USER_INPUT"]
    wrong = await gql(client, TOUCHES, {"id": "Q2FtcGFpZ246MQ=="}, token=as_alpha["admin"])
    assert wrong.codes == ["BAD_USER_INPUT"]
