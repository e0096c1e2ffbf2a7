"""The customer lifecycle (LEAD → MQL → SQL → OPPORTUNITY → CUSTOMER → ADVOCATE): converting a lead
qualifies it and moves its customer at most to OPPORTUNITY; only a won deal makes a customer a
CUSTOMER; Tessera never moves a stage back."""

from __future__ import annotations

import pytest

from tests.support.graphql import gql
from tests.support.records import make_customer, unique

CONVERT = """mutation($input: ConvertLeadInput!) { convertLead(input: $input) {
  lifecycleStage convertedCustomer { id lifecycleStage } convertedOpportunity { id version } } }"""
CREATE_LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"
CREATE_DEAL = (
    "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id version } }"
)
MOVE = "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) { version stage { kind } } }"
CUSTOMER = (
    "query($id: ID!) { node(id: $id) { ... on Customer { lifecycleStage version "
    "history { edges { node { action changes } } } } } }"
)
PIPELINES = "{ pipelines { edges { node { isDefault stages { id name } } } } }"


@pytest.fixture(scope="module")
async def stages(client, as_alpha) -> dict[str, str]:
    listing = (await gql(client, PIPELINES, token=as_alpha["viewer"])).data["pipelines"]["edges"]
    default = next(edge["node"] for edge in listing if edge["node"]["isDefault"])
    return {stage["name"]: stage["id"] for stage in default["stages"]}


async def _convert(client, token: str, **extra) -> dict:
    lead = (
        await gql(
            client,
            CREATE_LEAD,
            {"input": {"companyName": unique("Lifecycle Co"), **extra.pop("lead", {})}},
            token=token,
        )
    ).data["createLead"]
    return (
        await gql(client, CONVERT, {"input": {"leadId": lead["id"], **extra}}, token=token)
    ).data["convertLead"]


async def _customer(client, token: str, customer_id: str) -> dict:
    return (await gql(client, CUSTOMER, {"id": customer_id}, token=token)).data["node"]


async def _move(client, token: str, deal: dict, stage_id: str) -> dict:
    moved = (
        await gql(
            client,
            MOVE,
            {"input": {"id": deal["id"], "version": deal["version"], "stageId": stage_id}},
            token=token,
        )
    ).data["updateOpportunity"]
    return {**deal, "version": moved["version"]}


async def test_a_converted_lead_is_qualified_but_its_customer_is_not_a_customer_yet(
    client, as_alpha
):
    member = as_alpha["member"]

    plain = await _convert(client, member)
    with_deal = await _convert(client, member, createOpportunity=True)

    assert (plain["lifecycleStage"], plain["convertedCustomer"]["lifecycleStage"]) == ("SQL", "SQL")
    assert (with_deal["lifecycleStage"], with_deal["convertedCustomer"]["lifecycleStage"]) == (
        "OPPORTUNITY",
        "OPPORTUNITY",
    )
    # A lead someone marked further along keeps its stage, but its new customer still waits for a won deal.
    ahead = await _convert(client, member, lead={"lifecycleStage": "CUSTOMER"})
    assert (ahead["lifecycleStage"], ahead["convertedCustomer"]["lifecycleStage"]) == (
        "CUSTOMER",
        "OPPORTUNITY",
    )


async def test_winning_the_deal_makes_the_customer_a_customer_and_nothing_moves_it_back(
    client, as_alpha, stages
):
    member = as_alpha["member"]
    converted = await _convert(client, member, createOpportunity=True)
    customer_id, deal = converted["convertedCustomer"]["id"], converted["convertedOpportunity"]

    deal = await _move(client, member, deal, stages["Negotiation"])
    assert (await _customer(client, member, customer_id))["lifecycleStage"] == "OPPORTUNITY"
    deal = await _move(client, member, deal, stages["Closed won"])

    won = await _customer(client, member, customer_id)
    assert won["lifecycleStage"] == "CUSTOMER"
    changes = [
        edge["node"]["changes"]
        for edge in won["history"]["edges"]
        if edge["node"]["action"] == "updated"
    ]
    assert {"lifecycleStage": ["OPPORTUNITY", "CUSTOMER"]} in changes  # audited like any change
    # Reopening the deal, or losing it after all, leaves the customer a customer.
    deal = await _move(client, member, deal, stages["Proposal"])
    deal = await _move(client, member, deal, stages["Closed lost"])
    after = await _customer(client, member, customer_id)
    assert (after["lifecycleStage"], after["version"]) == ("CUSTOMER", won["version"])


async def test_a_lost_deal_does_not_make_a_customer(client, as_alpha, stages):
    member = as_alpha["member"]
    converted = await _convert(client, member, createOpportunity=True)
    await _move(client, member, converted["convertedOpportunity"], stages["Closed lost"])
    assert (await _customer(client, member, converted["convertedCustomer"]["id"]))[
        "lifecycleStage"
    ] == "OPPORTUNITY"


async def test_deals_move_existing_customers_forward_only(client, as_alpha, stages):
    admin = as_alpha["admin"]
    prospect = await make_customer(client, admin, lifecycleStage="MQL")
    advocate = await make_customer(client, admin, lifecycleStage="ADVOCATE")

    # An open deal is no reason to move a customer; a deal won (here: created won) is.
    opened = (
        await gql(
            client,
            CREATE_DEAL,
            {"input": {"name": unique("Deal"), "customerId": prospect["id"]}},
            token=admin,
        )
    ).data["createOpportunity"]
    assert (await _customer(client, admin, prospect["id"]))["lifecycleStage"] == "MQL"
    await gql(
        client,
        CREATE_DEAL,
        {
            "input": {
                "name": unique("Deal"),
                "customerId": prospect["id"],
                "stageId": stages["Closed won"],
            }
        },
        token=admin,
    )
    assert (await _customer(client, admin, prospect["id"]))["lifecycleStage"] == "CUSTOMER"
    # Moving an open deal to another customer does not make either a customer.
    await gql(
        client,
        "mutation($input: UpdateOpportunityInput!) { updateOpportunity(input: $input) { id } }",
        {"input": {"id": opened["id"], "version": opened["version"], "customerId": advocate["id"]}},
        token=admin,
    )
    await _move(client, admin, {**opened, "version": opened["version"] + 1}, stages["Closed won"])
    assert (await _customer(client, admin, advocate["id"]))[
        "lifecycleStage"
    ] == "ADVOCATE"  # never back

    # Converting another lead into a customer that is a CUSTOMER already keeps it one.
    again = await _convert(client, admin, customerId=prospect["id"])
    assert (again["lifecycleStage"], again["convertedCustomer"]["lifecycleStage"]) == (
        "SQL",
        "CUSTOMER",
    )


async def test_winning_moves_a_customer_the_winner_cannot_see(client, as_alpha, stages, user_ids):
    # Given the admin's own customer (invisible to members) with a deal owned by a member,
    admin, member = as_alpha["admin"], as_alpha["member"]
    customer = await make_customer(client, admin, ownerId=user_ids["admin"])
    deal = (
        await gql(
            client,
            CREATE_DEAL,
            {
                "input": {
                    "name": unique("Deal"),
                    "customerId": customer["id"],
                    "ownerId": user_ids["member"],
                }
            },
            token=admin,
        )
    ).data["createOpportunity"]
    assert (await gql(client, CUSTOMER, {"id": customer["id"]}, token=member)).data["node"] is None

    # when the member wins it,
    await _move(client, member, deal, stages["Closed won"])

    # then the customer is a customer all the same.
    assert (await _customer(client, admin, customer["id"]))["lifecycleStage"] == "CUSTOMER"


async def test_another_tenant_cannot_move_a_customer_through_a_deal(
    client, as_alpha, as_beta, stages
):
    customer = await make_customer(client, as_alpha["admin"], lifecycleStage="LEAD")
    refused = await gql(
        client,
        CREATE_DEAL,
        {"input": {"name": unique("Deal"), "customerId": customer["id"]}},
        token=as_beta["admin"],
    )
    assert refused.codes == ["BAD_USER_INPUT"]
    assert (await _customer(client, as_alpha["admin"], customer["id"]))["lifecycleStage"] == "LEAD"
