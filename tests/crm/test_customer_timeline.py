"""A customer's full timeline: activities on it and the records around it, stage and status
changes, newest first, paged, filtered by kind, limited to what the caller may read."""

from __future__ import annotations

import uuid

import pytest
from strawberry import relay

from tests.support.graphql import gql
from tests.support.records import make_contact, make_customer, unique

LOG = "mutation($input: LogActivityInput!) { logActivity(input: $input) { id } }"
TIMELINE = """query($id: ID!, $first: Int, $after: String, $kinds: [TimelineKind!]) { node(id: $id) { ... on Customer {
  fullTimeline(first: $first, after: $after, kinds: $kinds) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { at kind recordType recordId fromStatus toStatus stage { name } actor { email }
                          activity { id subject } } } } } } }"""


async def _log(client, token, record_id: str, subject: str, day: int) -> None:
    response = await gql(
        client,
        LOG,
        {
            "input": {
                "recordId": record_id,
                "kind": "NOTE",
                "subject": subject,
                "ownerId": None,
                "occurredAt": f"2020-01-{day:02d}T12:00:00+00:00",
            }
        },
        token=token,
    )
    assert response.data["logActivity"]["id"]


@pytest.fixture(scope="module")
async def around(client, as_alpha, user_ids) -> dict[str, str]:
    """An unassigned customer with a note on itself and on a contact, two opportunities (one the
    member cannot see), a ticket of the member's and a converted lead, each with an unassigned note (so
    only the record decides whether the member sees it); stages and a status move."""
    admin = as_alpha["admin"]
    customer = await make_customer(client, admin, ownerId=None)
    contact = await make_contact(client, admin, customerId=customer["id"], ownerId=None)
    create_deal = (
        "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id } }"
    )
    shared = (
        await gql(
            client,
            create_deal,
            {"input": {"name": unique("Deal"), "customerId": customer["id"], "ownerId": None}},
            token=admin,
        )
    ).data["createOpportunity"]
    private = (
        await gql(
            client,
            create_deal,
            {
                "input": {
                    "name": unique("Secret deal"),
                    "customerId": customer["id"],
                    "ownerId": user_ids["admin"],
                }
            },
            token=admin,
        )
    ).data["createOpportunity"]
    ticket = (
        await gql(
            client,
            "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }",
            {"input": {"subject": unique("Broken"), "customerId": customer["id"]}},
            token=as_alpha["member"],
        )
    ).data["createTicket"]
    moved = await gql(
        client,
        "mutation($id: ID!) { changeTicketStatus(input: {id: $id, version: 1, status: ACCEPTED}) { status } }",
        {"id": ticket["id"]},
        token=as_alpha["member"],
    )
    assert moved.data["changeTicketStatus"]["status"] == "ACCEPTED"
    lead = (
        await gql(
            client,
            'mutation { createLead(input: {personName: "Wu", ownerId: null}) { id } }',
            token=admin,
        )
    ).data["createLead"]
    converted = await gql(
        client,
        "mutation($input: ConvertLeadInput!) { convertLead(input: $input) { id } }",
        {"input": {"leadId": lead["id"], "customerId": customer["id"]}},
        token=admin,
    )
    assert converted.data["convertLead"]["id"] == lead["id"]
    records = {
        "customer": customer["id"],
        "contact": contact["id"],
        "shared": shared["id"],
        "private": private["id"],
        "ticket": ticket["id"],
        "lead": lead["id"],
    }
    for day, (name, record_id) in enumerate(records.items(), start=1):
        await _log(client, admin, record_id, f"note on {name}", day)
    return records


async def _timeline(client, token, customer_id, **variables) -> dict:
    response = await gql(client, TIMELINE, {"id": customer_id, **variables}, token=token)
    assert not response.errors, response.errors
    return response.data["node"]["fullTimeline"]


async def test_every_source_appears_newest_first(client, as_alpha, around):
    timeline = await _timeline(client, as_alpha["admin"], around["customer"])
    nodes = [edge["node"] for edge in timeline["edges"]]
    assert timeline["totalCount"] == len(nodes) and not timeline["pageInfo"]["hasNextPage"]
    assert [n["at"] for n in nodes] == sorted((n["at"] for n in nodes), reverse=True)
    notes = [n["activity"]["subject"] for n in nodes if n["kind"] == "ACTIVITY"]
    assert notes == [
        "note on lead",
        "note on ticket",
        "note on private",
        "note on shared",
        "note on contact",
        "note on customer",
    ]
    assert {n["recordType"] for n in nodes if n["kind"] == "ACTIVITY"} == {
        "Customer",
        "Contact",
        "Opportunity",
        "Ticket",
        "Lead",
    }
    stages = [n for n in nodes if n["kind"] == "STAGE_CHANGE"]
    assert {n["recordId"] for n in stages} == {around["shared"], around["private"]}
    assert all(n["stage"]["name"] == "Qualification" for n in stages)
    status = [n for n in nodes if n["kind"] == "STATUS_CHANGE"]
    assert (status[0]["fromStatus"], status[0]["toStatus"], status[0]["recordId"]) == (
        "NEW",
        "ACCEPTED",
        around["ticket"],
    )
    assert status[0]["actor"]["email"] == "member@alpha.test"


async def test_paging_with_after_walks_the_whole_timeline(client, as_alpha, around):
    whole = [
        e["node"] for e in (await _timeline(client, as_alpha["admin"], around["customer"]))["edges"]
    ]
    walked, after = [], None
    while True:
        page = await _timeline(client, as_alpha["admin"], around["customer"], first=3, after=after)
        walked += [e["node"] for e in page["edges"]]
        assert len(page["edges"]) <= 3
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == whole and len(whole) > 6


async def test_kinds_filter(client, as_alpha, around):
    only = await _timeline(
        client, as_alpha["admin"], around["customer"], kinds=["STATUS_CHANGE", "STAGE_CHANGE"]
    )
    kinds = [e["node"]["kind"] for e in only["edges"]]
    assert set(kinds) == {"STATUS_CHANGE", "STAGE_CHANGE"} and only["totalCount"] == len(kinds)
    assert all(e["node"]["activity"] is None for e in only["edges"])


async def test_a_member_does_not_see_entries_of_an_opportunity_they_cannot_see(
    client, as_alpha, around
):
    admin_ids = {
        e["node"]["recordId"]
        for e in (await _timeline(client, as_alpha["admin"], around["customer"]))["edges"]
    }
    assert around["private"] in admin_ids
    member = await _timeline(client, as_alpha["member"], around["customer"])
    member_ids = {e["node"]["recordId"] for e in member["edges"]}
    assert around["private"] not in member_ids
    assert member_ids == admin_ids - {around["private"]}
    assert member["totalCount"] == len(member["edges"])


async def test_a_member_does_not_see_an_activity_they_cannot_see(client, as_alpha, around):
    logged = await gql(
        client,
        LOG,
        {"input": {"recordId": around["customer"], "kind": "NOTE", "subject": "admin's own note"}},
        token=as_alpha["admin"],
    )  # owned by the admin: hidden from members
    assert logged.data["logActivity"]["id"]
    subjects = {
        role: {
            (e["node"]["activity"] or {}).get("subject")
            for e in (await _timeline(client, as_alpha[role], around["customer"]))["edges"]
        }
        for role in ("admin", "member")
    }
    assert "admin's own note" in subjects["admin"] and "admin's own note" not in subjects["member"]
    assert "note on customer" in subjects["member"]


async def test_another_tenant_sees_nothing(client, as_beta, around):
    response = await gql(client, TIMELINE, {"id": around["customer"]}, token=as_beta["admin"])
    assert not response.errors and response.data["node"] is None


async def test_a_bad_cursor_is_bad_input(client, as_alpha, around):
    for cursor in ("garbage", "W10"):
        response = await gql(
            client, TIMELINE, {"id": around["customer"], "after": cursor}, token=as_alpha["admin"]
        )
        assert response.codes == ["BAD_USER_INPUT"]
        assert response.errors[0]["extensions"]["fieldErrors"][0]["field"] == "after"


async def test_row_level_security_hides_the_sources_from_another_tenant(app_db, tenants, around):
    ticket = uuid.UUID(relay.GlobalID.from_id(around["ticket"]).node_id)
    deal = uuid.UUID(relay.GlobalID.from_id(around["shared"]).node_id)
    sources = {
        "activity": ("SELECT count(*) FROM activity WHERE record_id = $1", ticket),
        "ticket_status_history": (
            "SELECT count(*) FROM ticket_status_history WHERE ticket_id = $1",
            ticket,
        ),
        "opportunity_stage_history": (
            "SELECT count(*) FROM opportunity_stage_history WHERE opportunity_id = $1",
            deal,
        ),
    }
    for slug, expect_rows in (("alpha", True), ("beta", False)):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants[slug].id)
            for table, (sql, record_id) in sources.items():
                assert (await app_db.fetchval(sql, record_id) > 0) is expect_rows, (slug, table)
