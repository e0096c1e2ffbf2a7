"""One mutation is one version, one audit entry and one event, also when it changes more than the
caller sent (closedAt of a won deal, resolvedAt of a resolved ticket, a converted lead's links, a
formula of a custom record): rules on `updated` run once per change."""

from __future__ import annotations

import uuid

from strawberry import relay

from tests.support.automation import deliver, disable, make_rule, runs_of
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql

TRAIL = (
    "query($id: ID!) { node(id: $id) { ... on Record { version } "
    "... on Opportunity { history { edges { node { action } } } closedAt } "
    "... on Ticket { history { edges { node { action } } } resolvedAt firstResponseAt } "
    "... on Lead { history { edges { node { action } } } status } "
    "... on CustomRecord { history { edges { node { action } } } values } } }"
)
EVENTS = "SELECT event_type FROM outbox_event WHERE record_id = $1 ORDER BY seq"
UPDATE_DEAL = "mutation($i: UpdateOpportunityInput!) { updateOpportunity(input: $i) { version } }"
STAGES = "{ pipelines(filter: {isDefault: {eq: true}}) { edges { node { isDefault stages { id name } } } } }"


async def trail(
    client, token: str, owner_db, global_id: str
) -> tuple[int, list[str], list[str], dict]:
    """(version, audit actions, outbox event types, the node) of a record."""
    node = (await gql(client, TRAIL, {"id": global_id}, token=token)).data["node"]
    record_id = uuid.UUID(relay.GlobalID.from_id(global_id).node_id)
    events = [row["event_type"] for row in await owner_db.fetch(EVENTS, record_id)]
    return node["version"], [e["node"]["action"] for e in node["history"]["edges"]], events, node


async def default_stages(client, token: str) -> dict[str, str]:
    pipelines = (await gql(client, STAGES, token=token)).data["pipelines"]["edges"]
    default = next(p["node"] for p in pipelines if p["node"]["isDefault"])
    return {s["name"]: s["id"] for s in default["stages"]}


async def test_moving_a_deal_to_a_won_stage_is_one_version_one_entry_one_event_and_one_rule_run(
    client, as_alpha, owner_db
):
    admin = as_alpha["admin"]
    stages = await default_stages(client, admin)
    marker = uuid.uuid4().hex[:8]
    deal = (
        await gql(
            client,
            "mutation($n: String!) { createOpportunity(input: {name: $n}) { id } }",
            {"n": f"Won {marker}"},
            token=admin,
        )
    ).data["createOpportunity"]
    rule = await make_rule(
        client,
        admin,
        name="On any update",
        object="Opportunity",
        trigger={"on": "updated"},
        conditions={"field": "name", "op": "eq", "value": f"Won {marker}"},
        actions=[{"type": "create_task", "subject": "Deal changed"}],
    )
    try:
        await deliver()
        # When the deal moves to Closed won (closedAt follows)
        moved = await gql(
            client,
            UPDATE_DEAL,
            {"i": {"id": deal["id"], "version": 1, "stageId": stages["Closed won"]}},
            token=admin,
        )
        assert moved.data["updateOpportunity"]["version"] == 2

        # Then that is one version, one audit entry and one event
        version, actions, events, node = await trail(client, admin, owner_db, deal["id"])
        assert node["closedAt"] is not None
        assert (version, actions, events) == (
            2,
            ["created", "stage_changed"],
            ["Opportunity.created", "Opportunity.stage_changed"],
        )
        # and a rule on `updated` runs once for it
        await deliver()
        assert [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"]

        # When it moves back to an open stage (closedAt is cleared): again one of each
        assert (
            await gql(
                client,
                UPDATE_DEAL,
                {"i": {"id": deal["id"], "version": 2, "stageId": stages["Proposal"]}},
                token=admin,
            )
        ).data
        version, actions, events, node = await trail(client, admin, owner_db, deal["id"])
        assert node["closedAt"] is None
        assert (version, actions[1:], events[1:]) == (
            3,
            ["stage_changed"] * 2,
            ["Opportunity.stage_changed"] * 2,
        )
    finally:
        await disable(client, admin, rule)


async def test_bulk_moves_and_deals_created_closed_are_one_of_each(client, as_alpha, owner_db):
    admin = as_alpha["admin"]
    stages = await default_stages(client, admin)
    # Given a deal created straight in Closed lost: it is closed, at version 1, with one entry and one event
    lost = (
        await gql(
            client,
            'mutation($s: ID!) { createOpportunity(input: {name: "Lost at once", stageId: $s}) { id closedAt } }',
            {"s": stages["Closed lost"]},
            token=admin,
        )
    ).data["createOpportunity"]
    assert lost["closedAt"] is not None
    version, actions, events, _ = await trail(client, admin, owner_db, lost["id"])
    assert (version, actions, events) == (1, ["created"], ["Opportunity.created"])

    # When two deals are moved to Closed won in one bulk call
    made = [
        (
            await gql(
                client,
                'mutation { createOpportunity(input: {name: "Bulk won"}) { id } }',
                token=admin,
            )
        ).data["createOpportunity"]
        for _ in range(2)
    ]
    bulk = await gql(
        client,
        "mutation($i: [UpdateOpportunityInput!]!) { bulkUpdateOpportunities(input: {items: $i}) { version closedAt } }",
        {"i": [{"id": d["id"], "version": 1, "stageId": stages["Closed won"]} for d in made]},
        token=admin,
    )
    assert [
        (d["version"], d["closedAt"] is not None) for d in bulk.data["bulkUpdateOpportunities"]
    ] == [(2, True), (2, True)]

    # Then each is one version, one entry and one event further
    for deal in made:
        version, actions, events, _ = await trail(client, admin, owner_db, deal["id"])
        assert (version, actions, events) == (
            2,
            ["created", "stage_changed"],
            ["Opportunity.created", "Opportunity.stage_changed"],
        )


async def test_a_ticket_status_move_with_its_timestamps_is_one_of_each(client, as_alpha, owner_db):
    admin = as_alpha["admin"]
    ticket = (
        await gql(
            client, 'mutation { createTicket(input: {subject: "Printer"}) { id } }', token=admin
        )
    ).data["createTicket"]
    status = "mutation($i: ChangeTicketStatusInput!) { changeTicketStatus(input: $i) { version } }"
    # When it is accepted (firstResponseAt follows), then resolved (resolvedAt follows)
    for version, step in ((1, "ACCEPTED"), (2, "RESOLVED")):
        assert (
            await gql(
                client,
                status,
                {"i": {"id": ticket["id"], "version": version, "status": step}},
                token=admin,
            )
        ).data
    # Then each move is one version, one entry and one event
    version, actions, events, node = await trail(client, admin, owner_db, ticket["id"])
    assert node["firstResponseAt"] and node["resolvedAt"]
    assert (version, actions, events) == (
        3,
        ["created", "status_changed", "status_changed"],
        ["Ticket.created", "Ticket.status_changed", "Ticket.status_changed"],
    )


async def test_converting_a_lead_is_one_of_each_on_the_lead(client, as_alpha, owner_db):
    admin = as_alpha["admin"]
    lead = (
        await gql(
            client, 'mutation { createLead(input: {companyName: "Once Co"}) { id } }', token=admin
        )
    ).data["createLead"]
    assert (
        await gql(
            client,
            "mutation($id: ID!) { convertLead(input: {leadId: $id, createOpportunity: true}) { id } }",
            {"id": lead["id"]},
            token=admin,
        )
    ).data
    version, actions, events, node = await trail(client, admin, owner_db, lead["id"])
    assert node["status"] == "CONVERTED"
    assert (version, actions, events) == (
        2,
        ["created", "converted"],
        ["Lead.created", "Lead.converted"],
    )


async def test_a_custom_record_update_with_a_formula_is_one_of_each(client, as_alpha, owner_db):
    admin = as_alpha["admin"]
    name = await make_object(
        client,
        admin,
        [
            dict(apiName="qty", type="INTEGER"),
            dict(apiName="price", type="DECIMAL"),
            dict(
                apiName="total",
                type="FORMULA",
                config={"expression": "qty * price", "resultType": "NUMBER"},
            ),
        ],
    )
    record = (await create_record(client, admin, name, {"qty": 2, "price": "5"})).data[
        "createRecord"
    ]
    updated = await gql(
        client,
        "mutation($i: UpdateRecordInput!) { updateRecord(input: $i) { version values } }",
        {"i": {"id": record["id"], "version": 1, "values": {"qty": 3}}},
        token=admin,
    )
    assert updated.data["updateRecord"]["version"] == 2
    version, actions, events, node = await trail(client, admin, owner_db, record["id"])
    assert float(node["values"]["total"]) == 15
    assert (version, actions, events) == (
        2,
        ["created", "updated"],
        [f"{name}.created", f"{name}.updated"],
    )
