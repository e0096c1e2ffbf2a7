"""Conditions on a related record, one level deep, for standard and custom records."""

from __future__ import annotations

import uuid

import pytest

from tests.support.automation import deliver, disable, make_rule
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql
from tests.support.records import make_customer

CREATE_RULE = (
    "mutation($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }"
)
DEAL = "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }"
TAGS = "query($id: ID!) { node(id: $id) { ... on Opportunity { tags } } }"


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def test_an_opportunity_rule_looks_at_its_customers_tier(client, as_alpha, marker):
    admin = as_alpha["admin"]
    gold = await make_customer(client, admin, name=f"Gold {marker}", tier="GOLD")
    plain = await make_customer(client, admin, name=f"Plain {marker}", tier="BRONZE")
    rule = await make_rule(
        client,
        admin,
        name="Gold deals",
        object="Opportunity",
        trigger={"on": "created"},
        conditions={
            "all": [
                {"field": "name", "op": "contains", "value": marker},
                {"field": "customer.tier", "op": "eq", "value": "GOLD"},
            ]
        },
        actions=[{"type": "add_tags", "names": ["vip"]}],
    )
    try:
        deals = [
            (
                await gql(
                    client,
                    DEAL,
                    {"i": {"name": f"Deal {marker} {n}", "customerId": c}},
                    token=admin,
                )
            ).data["createOpportunity"]
            for n, c in enumerate((gold["id"], plain["id"], None))
        ]
        await deliver()
        tags = [
            (await gql(client, TAGS, {"id": d["id"]}, token=admin)).data["node"]["tags"]
            for d in deals
        ]
        assert tags == [["vip"], [], []]
    finally:
        await disable(client, admin, rule)


async def test_a_custom_record_rule_follows_its_relation_field(client, as_alpha, marker):
    admin = as_alpha["admin"]
    contract = await make_object(
        client,
        admin,
        [
            dict(apiName="account", type="RELATION", config={"target": "Customer"}),
            dict(apiName="title", type="TEXT"),
        ],
        stem="contract",
    )
    gold = await make_customer(client, admin, name=f"Gold {marker}", tier="GOLD", region="East")
    rule = await make_rule(
        client,
        admin,
        name="East contracts",
        object=contract,
        trigger={"on": "created"},
        conditions={"field": "account.region", "op": "eq", "value": "East"},
        actions=[{"type": "update_fields", "values": {"title": "east {{title}}"}}],
    )
    try:
        east = (
            await create_record(client, admin, contract, {"account": gold["id"], "title": "a"})
        ).data
        loose = (await create_record(client, admin, contract, {"title": "b"})).data
        assert east and loose
        await deliver()
        listed = await gql(
            client,
            f'{{ records(object: "{contract}") {{ edges {{ node {{ values }} }} }} }}',
            token=admin,
        )
        assert sorted(e["node"]["values"]["title"] for e in listed.data["records"]["edges"]) == [
            "b",
            "east a",
        ]
    finally:
        await disable(client, admin, rule)


async def test_related_names_are_checked_when_the_rule_is_saved(client, as_alpha):
    admin = as_alpha["admin"]
    bad = await gql(
        client,
        CREATE_RULE,
        {
            "input": {
                "name": "Bad",
                "object": "Opportunity",
                "trigger": {"on": "created"},
                "conditions": {
                    "any": [
                        {"field": "customer.nope", "op": "eq", "value": 1},
                        {"field": "galaxy.size", "op": "eq", "value": 1},
                    ]
                },
                "actions": [{"type": "add_tags", "names": ["x"]}],
            }
        },
        token=admin,
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    messages = [(e["code"], e["message"]) for e in bad.errors[0]["extensions"]["fieldErrors"]]
    assert messages == [
        ("UNKNOWN_FIELD", "customer.nope: Customer has no field nope"),
        ("UNKNOWN_RELATION", "galaxy.size: Opportunity has no relation galaxy"),
    ]
