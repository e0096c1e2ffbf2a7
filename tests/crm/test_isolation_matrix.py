"""For every record type: another tenant's token cannot see a real record through `node`, nor
change, delete or restore it."""

from __future__ import annotations

import pytest

from tests.support.graphql import gql
from tests.support.records import make_contact, make_customer, unique


async def _make(client, token, kind: str) -> str:
    if kind == "Customer":
        return (await make_customer(client, token))["id"]
    if kind == "Contact":
        return (await make_contact(client, token))["id"]
    mutations = {
        "Team": ("mutation($n: String!) { createTeam(input: {name: $n}) { id } }", "createTeam"),
        "Campaign": (
            "mutation($n: String!) { createCampaign(input: {name: $n, channel: ADS}) { id } }",
            "createCampaign",
        ),
        "Lead": (
            "mutation($n: String!) { createLead(input: {personName: $n}) { id } }",
            "createLead",
        ),
        "Opportunity": (
            "mutation($n: String!) { createOpportunity(input: {name: $n}) { id } }",
            "createOpportunity",
        ),
        "Ticket": (
            "mutation($n: String!) { createTicket(input: {subject: $n}) { id } }",
            "createTicket",
        ),
        "Pipeline": (
            'mutation($n: String!) { createPipeline(input: {name: $n, stages: [{name: "s", probability: 1, kind: "OPEN"}]}) { id } }',
            "createPipeline",
        ),
    }
    query, field = mutations[kind]
    return (await gql(client, query, {"n": unique(kind)}, token=token)).data[field]["id"]


@pytest.mark.parametrize(
    "kind", ["Customer", "Contact", "Team", "Campaign", "Lead", "Opportunity", "Ticket", "Pipeline"]
)
async def test_other_tenants_neither_see_nor_change(client, as_alpha, as_beta, kind):
    record_id = await _make(client, as_alpha["admin"], kind)
    beta = as_beta["admin"]

    assert (
        await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": record_id}, token=beta)
    ).data["node"] is None
    nodes = await gql(
        client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [record_id]}, token=beta
    )
    assert nodes.data["nodes"] == [None]
    if kind != "Pipeline":
        delete = await gql(
            client,
            f"mutation($id: ID!) {{ delete{kind}(input: {{id: $id}}) {{ id }} }}",
            {"id": record_id},
            token=beta,
        )
        assert delete.codes == ["NOT_FOUND"], kind
        restore = await gql(
            client,
            f"mutation($id: ID!) {{ restore{kind}(input: {{id: $id}}) {{ id }} }}",
            {"id": record_id},
            token=beta,
        )
        assert restore.codes == ["NOT_FOUND"], kind
        update = await gql(
            client,
            f"mutation($input: Update{kind}Input!) {{ update{kind}(input: $input) {{ id }} }}",
            {"input": {"id": record_id, "version": 1}},
            token=beta,
        )
        assert update.codes == ["NOT_FOUND"], kind
    # Still there, unchanged, for its own tenant.
    mine = await gql(
        client,
        "query($id: ID!) { node(id: $id) { id ... on Record { version deletedAt } } }",
        {"id": record_id},
        token=as_alpha["admin"],
    )
    assert mine.data["node"] == {"id": record_id, "version": 1, "deletedAt": None}
