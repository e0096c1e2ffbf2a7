"""Opportunities in pipelines: defaults, probability, exact stage history, won/lost, pipelines."""

from __future__ import annotations

import pytest

from tests.support.graphql import gql
from tests.support.records import make_customer, unique

CREATE = """mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) {
  id version probability probabilityOverride closedAt pipeline { name isDefault } stage { id name } } }"""
UPDATE = """mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) {
  id version probability closedAt stage { name kind } } }"""
HISTORY = """query($id: ID!) { node(id: $id) { ... on Opportunity { stageHistory { stage { name } enteredAt leftAt durationSeconds } } } }"""
PIPELINES = "{ pipelines { edges { node { id name isDefault stages { id name kind probability position } } } } }"


@pytest.fixture(scope="module")
async def stages(client, as_alpha) -> dict[str, str]:
    """The default pipeline's stage ids by name."""
    listing = (await gql(client, PIPELINES, token=as_alpha["viewer"])).data["pipelines"]["edges"]
    default = next(edge["node"] for edge in listing if edge["node"]["isDefault"])
    return {stage["name"]: stage["id"] for stage in default["stages"]}


async def test_every_tenant_starts_with_the_default_pipeline(client, as_beta):
    listing = (await gql(client, PIPELINES, token=as_beta["member"])).data["pipelines"]["edges"]
    default = next(edge["node"] for edge in listing if edge["node"]["isDefault"])
    assert [(s["name"], s["probability"], s["kind"]) for s in default["stages"]] == [
        ("Qualification", 10, "OPEN"),
        ("Needs analysis", 25, "OPEN"),
        ("Proposal", 50, "OPEN"),
        ("Negotiation", 75, "OPEN"),
        ("Closed won", 100, "WON"),
        ("Closed lost", 0, "LOST"),
    ]


async def test_new_opportunities_start_in_the_first_open_stage_with_its_probability(
    client, as_alpha
):
    created = (
        await gql(
            client,
            CREATE,
            {"input": {"name": unique("Deal"), "amount": "5000", "currency": "CNY"}},
            token=as_alpha["member"],
        )
    ).data["createOpportunity"]
    assert created["pipeline"]["isDefault"] and created["stage"]["name"] == "Qualification"
    assert created["probability"] == 10 and created["probabilityOverride"] is None
    overridden = await gql(
        client,
        UPDATE,
        {"input": {"id": created["id"], "version": 1, "probability": 33}},
        token=as_alpha["member"],
    )
    assert overridden.data["updateOpportunity"]["probability"] == 33


async def test_stage_moves_are_recorded_exactly_and_winning_closes(client, as_alpha, stages):
    deal = (
        await gql(client, CREATE, {"input": {"name": unique("Deal")}}, token=as_alpha["member"])
    ).data["createOpportunity"]
    version = 1
    for name in ("Proposal", "Negotiation", "Closed won"):
        moved = await gql(
            client,
            UPDATE,
            {"input": {"id": deal["id"], "version": version, "stageId": stages[name]}},
            token=as_alpha["member"],
        )
        version = moved.data["updateOpportunity"]["version"]
    assert (
        moved.data["updateOpportunity"]["closedAt"] is not None
        and moved.data["updateOpportunity"]["probability"] == 100
    )

    visits = (await gql(client, HISTORY, {"id": deal["id"]}, token=as_alpha["member"])).data[
        "node"
    ]["stageHistory"]
    assert [v["stage"]["name"] for v in visits] == [
        "Qualification",
        "Proposal",
        "Negotiation",
        "Closed won",
    ]
    assert all(v["leftAt"] for v in visits[:-1]) and visits[-1]["leftAt"] is None
    assert all(visits[i]["leftAt"] <= visits[i + 1]["enteredAt"] for i in range(3))

    reopened = await gql(
        client,
        UPDATE,
        {"input": {"id": deal["id"], "version": version, "stageId": stages["Negotiation"]}},
        token=as_alpha["member"],
    )
    assert reopened.data["updateOpportunity"]["closedAt"] is None


async def test_stages_of_another_pipeline_are_refused(client, as_alpha):
    other = await gql(
        client,
        'mutation($n: String!) { createPipeline(input: {name: $n, stages: [{name: "A", probability: 10, kind: "OPEN"}, {name: "Won", probability: 100, kind: "WON"}]}) { id stages { id } } }',
        {"n": unique("Partners")},
        token=as_alpha["admin"],
    )
    foreign = other.data["createPipeline"]["stages"][0]["id"]
    response = await gql(
        client, CREATE, {"input": {"name": "x", "stageId": foreign}}, token=as_alpha["member"]
    )
    assert response.errors[0]["extensions"]["fieldErrors"][0] == {
        "field": "stageId",
        "code": "OTHER_PIPELINE",
        "message": "the stage belongs to another pipeline",
    }
    in_other = await gql(
        client,
        CREATE,
        {"input": {"name": "y", "pipelineId": other.data["createPipeline"]["id"]}},
        token=as_alpha["member"],
    )
    assert in_other.data["createOpportunity"]["stage"]["id"] == foreign


async def test_pipeline_management_is_for_admins_and_checked(client, as_alpha, stages):
    no_open = await gql(
        client,
        'mutation { createPipeline(input: {name: "Z", stages: [{name: "W", probability: 100, kind: "WON"}]}) { id } }',
        token=as_alpha["admin"],
    )
    assert no_open.errors[0]["extensions"]["fieldErrors"][0]["code"] == "NO_OPEN_STAGE"
    bad_stage = await gql(
        client,
        'mutation { createPipeline(input: {name: "Z", stages: [{name: "", probability: 101, kind: "MAYBE"}]}) { id } }',
        token=as_alpha["admin"],
    )
    assert {e["field"] for e in bad_stage.errors[0]["extensions"]["fieldErrors"]} >= {
        "stages.0.name",
        "stages.0.probability",
        "stages.0.kind",
    }
    assert (
        await gql(
            client,
            'mutation { createPipeline(input: {name: "Z", stages: [{name: "A", probability: 1, kind: "OPEN"}]}) { id } }',
            token=as_alpha["manager"],
        )
    ).codes == ["FORBIDDEN"]
    # A stage with opportunities in it cannot be deleted.
    await gql(client, CREATE, {"input": {"name": unique("Busy")}}, token=as_alpha["member"])
    busy = await gql(
        client,
        "mutation($id: ID!) { deleteStage(input: {id: $id}) { id } }",
        {"id": stages["Qualification"]},
        token=as_alpha["admin"],
    )
    assert busy.codes == ["CONFLICT"]


async def test_customer_360_includes_opportunities_tickets_and_timeline(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"])
    await gql(
        client,
        CREATE,
        {"input": {"name": unique("Upsell"), "customerId": customer["id"]}},
        token=as_alpha["admin"],
    )
    await gql(
        client,
        'mutation($c: ID!) { createTicket(input: {subject: "Broken", customerId: $c}) { id } }',
        {"c": customer["id"]},
        token=as_alpha["admin"],
    )
    await gql(
        client,
        'mutation($c: ID!) { logActivity(input: {recordId: $c, kind: "CALL", subject: "Intro call"}) { id } }',
        {"c": customer["id"]},
        token=as_alpha["admin"],
    )
    view = await gql(
        client,
        """query($id: ID!) { node(id: $id) { ... on Customer {
        opportunities { totalCount edges { node { name stage { name } } } }
        tickets { totalCount edges { node { subject status } } }
        timeline { edges { node { kind subject } } } } } }""",
        {"id": customer["id"]},
        token=as_alpha["admin"],
    )
    node = view.data["node"]
    assert (
        node["opportunities"]["totalCount"] == 1
        and node["tickets"]["edges"][0]["node"]["status"] == "NEW"
    )
    assert node["timeline"]["edges"][0]["node"] == {"kind": "CALL", "subject": "Intro call"}


async def test_pipelines_can_be_renamed_and_deleted_only_when_unused(client, as_alpha, stages):
    listing = (await gql(client, PIPELINES, token=as_alpha["admin"])).data["pipelines"]["edges"]
    default = next(edge["node"] for edge in listing if edge["node"]["isDefault"])
    assert (
        await gql(
            client,
            "mutation($id: ID!) { deletePipeline(input: {id: $id}) { id } }",
            {"id": default["id"]},
            token=as_alpha["admin"],
        )
    ).codes == ["CONFLICT"]
    spare = await gql(
        client,
        'mutation($n: String!) { createPipeline(input: {name: $n, stages: [{name: "A", probability: 5, kind: "OPEN"}]}) { id version } }',
        {"n": unique("Spare")},
        token=as_alpha["admin"],
    )
    spare_id = spare.data["createPipeline"]["id"]
    renamed = await gql(
        client,
        'mutation($id: ID!) { updatePipeline(input: {id: $id, version: 1, name: "Renamed"}) { name version } }',
        {"id": spare_id},
        token=as_alpha["admin"],
    )
    assert renamed.data["updatePipeline"] == {"name": "Renamed", "version": 2}
    deleted = await gql(
        client,
        "mutation($id: ID!) { deletePipeline(input: {id: $id}) { deletedAt } }",
        {"id": spare_id},
        token=as_alpha["admin"],
    )
    assert deleted.data["deletePipeline"]["deletedAt"]


async def test_activities_can_be_edited_deleted_and_restored(client, as_alpha):
    deal = (
        await gql(client, CREATE, {"input": {"name": unique("Act")}}, token=as_alpha["member"])
    ).data["createOpportunity"]
    note = (
        await gql(
            client,
            'mutation($r: ID!) { logActivity(input: {recordId: $r, kind: "NOTE", subject: "first"}) { id } }',
            {"r": deal["id"]},
            token=as_alpha["member"],
        )
    ).data["logActivity"]
    edited = await gql(
        client,
        'mutation($id: ID!) { updateActivity(input: {id: $id, version: 1, subject: "edited"}) { subject version } }',
        {"id": note["id"]},
        token=as_alpha["member"],
    )
    assert edited.data["updateActivity"] == {"subject": "edited", "version": 2}
    due = await gql(
        client,
        'mutation($id: ID!) { updateActivity(input: {id: $id, version: 2, dueAt: "2030-01-01T00:00:00Z"}) { id } }',
        {"id": note["id"]},
        token=as_alpha["member"],
    )
    assert due.codes == ["BAD_USER_INPUT"]
    assert (
        await gql(
            client,
            "mutation($id: ID!) { deleteActivity(input: {id: $id}) { id } }",
            {"id": note["id"]},
            token=as_alpha["member"],
        )
    ).codes == ["FORBIDDEN"]
    assert (
        await gql(
            client,
            "mutation($id: ID!) { deleteActivity(input: {id: $id}) { deletedAt } }",
            {"id": note["id"]},
            token=as_alpha["admin"],
        )
    ).data
    assert (
        await gql(
            client,
            "mutation($id: ID!) { restoreActivity(input: {id: $id}) { deletedAt } }",
            {"id": note["id"]},
            token=as_alpha["admin"],
        )
    ).data["restoreActivity"]["deletedAt"] is None


async def test_currencies_are_iso_4217_codes(client, as_alpha):
    member = as_alpha["member"]
    for code in ("ZZZ", "usd", "US", "DEM", "€"):  # DEM: no longer a current code
        response = await gql(
            client, CREATE, {"input": {"name": unique("Deal"), "currency": code}}, token=member
        )
        assert response.codes == ["BAD_USER_INPUT"], code
        assert response.errors[0]["extensions"]["fieldErrors"][0]["field"] == "currency"
        assert response.errors[0]["extensions"]["fieldErrors"][0]["code"] == "INVALID_CURRENCY"
    for code in ("CNY", "EUR", "JPY", "CHF"):
        assert (
            await gql(
                client, CREATE, {"input": {"name": unique("Deal"), "currency": code}}, token=member
            )
        ).data


async def test_amounts_a_column_cannot_hold_are_field_errors(client, as_alpha):
    member = as_alpha["member"]
    for amount in ("NaN", "Infinity", "1e999999", "1e-999999", "0E-1000000", "10000000000000000"):
        response = await gql(
            client, CREATE, {"input": {"name": unique("Deal"), "amount": amount}}, token=member
        )
        assert response.codes == ["BAD_USER_INPUT"], amount
        assert response.errors[0]["extensions"]["fieldErrors"][0] == {
            "field": "amount",
            "code": "OUT_OF_RANGE",
            "message": "amount must be a finite number below 10^16 with at most 16 decimal places",
        }
        campaign = await gql(
            client,
            "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }",
            {"i": {"name": unique("Campaign"), "channel": "EMAIL", "cost": amount}},
            token=as_alpha["admin"],
        )
        assert campaign.errors[0]["extensions"]["fieldErrors"][0]["field"] == "cost", amount
    rounded = await gql(
        client,
        "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { amount } }",
        {"i": {"name": unique("Deal"), "amount": "9999999999999999.994"}},
        token=member,
    )
    assert rounded.data["createOpportunity"]["amount"] == "9999999999999999.99"
