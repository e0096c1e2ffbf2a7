"""What a rule names is resolved when it is saved, in the tenant's own transaction: teams and users
of assignments and notifications, ids compared in conditions, and the values create_record and
update_fields write. Another tenant's real ids are simply not found."""

from __future__ import annotations

import uuid

import pytest

from tests.support.automation import CREATE_RULE, disable, make_rule
from tests.support.graphql import gql
from tests.support.records import make_customer

TEAM = "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }"
CAMPAIGN = "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }"


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def _ids_of(client, token: str, member_token: str, marker: str) -> dict[str, str]:
    """A team, a member, a customer and a campaign of the tenant whose admin `token` is."""
    return {
        "team": (
            await gql(client, TEAM, {"i": {"name": f"Team {marker}", "memberIds": []}}, token=token)
        ).data["createTeam"]["id"],
        "member": (await gql(client, "{ me { id } }", token=member_token)).data["me"]["id"],
        "customer": (await make_customer(client, token, name=f"Customer {marker}"))["id"],
        "campaign": (
            await gql(
                client,
                CAMPAIGN,
                {"i": {"name": f"Campaign {marker}", "channel": "WEB_FORM"}},
                token=token,
            )
        ).data["createCampaign"]["id"],
    }


def _rule(ids: dict[str, str]) -> dict:
    return {
        "name": "names ids",
        "object": "Opportunity",
        "trigger": {"on": "created"},
        "conditions": {
            "all": [
                {"field": "customer.id", "op": "eq", "value": ids["customer"]},
                {"field": "ownerId", "op": "in", "value": [ids["member"]]},
            ]
        },
        "actions": [
            {"type": "assign_owner", "strategy": "round_robin", "teamId": ids["team"]},
            {
                "type": "assign_owner",
                "strategy": "table",
                "field": "name",
                "table": {"East": ids["member"]},
                "defaultUserId": ids["member"],
            },
            {"type": "notify", "to": "users", "userIds": [ids["member"]], "title": "x"},
            {"type": "send_email", "to": "users", "userIds": [ids["member"]], "subject": "x"},
            {
                "type": "create_record",
                "object": "Opportunity",
                "values": {"name": "Renewal {{name}}", "customerId": ids["customer"]},
            },
            {"type": "update_fields", "values": {"campaignId": ids["campaign"]}},
        ],
    }


def field_errors(response) -> dict[str, str]:
    assert response.codes == ["BAD_USER_INPUT"], response.body
    return {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}


async def test_a_rule_naming_another_tenants_records_is_refused_with_each_id_not_found(
    client, as_alpha, as_beta, marker
):
    # Given a team, a member, a customer and a campaign of beta's
    beta = await _ids_of(client, as_beta["admin"], as_beta["member"], marker)
    # When alpha's admin saves a rule naming them everywhere a rule names ids
    response = await gql(client, CREATE_RULE, {"input": _rule(beta)}, token=as_alpha["admin"])
    # Then every one is not found, as if it did not exist
    assert field_errors(response) == {
        "conditions.all.0.value": "NOT_FOUND",
        "conditions.all.1.value.0": "NOT_FOUND",
        "actions.0.teamId": "NOT_FOUND",
        "actions.1.table.East": "NOT_FOUND",
        "actions.1.defaultUserId": "NOT_FOUND",
        "actions.2.userIds.0": "NOT_FOUND",
        "actions.3.userIds.0": "NOT_FOUND",
        "actions.4.values.customerId": "NOT_FOUND",
        "actions.5.values.campaignId": "NOT_FOUND",
    }


async def test_the_same_rule_with_the_tenants_own_ids_is_saved_and_updates_are_checked_too(
    client, as_alpha, as_beta, marker
):
    admin = as_alpha["admin"]
    own = await _ids_of(client, admin, as_alpha["member"], marker)
    rule = await make_rule(client, admin, **{**_rule(own), "enabled": False})
    assert rule["id"]
    try:
        beta = await _ids_of(client, as_beta["admin"], as_beta["member"], marker)
        changed = await gql(
            client,
            "mutation($i: UpdateAutomationRuleInput!) { updateAutomationRule(input: $i) { version } }",
            {
                "i": {
                    "id": rule["id"],
                    "version": rule["version"],
                    "actions": [
                        {"type": "assign_owner", "strategy": "round_robin", "teamId": beta["team"]}
                    ],
                    "conditions": {"field": "customerId", "op": "eq", "value": beta["customer"]},
                }
            },
            token=admin,
        )
        assert field_errors(changed) == {
            "actions.0.teamId": "NOT_FOUND",
            "conditions.value": "NOT_FOUND",
        }
    finally:
        await disable(client, admin, rule)


async def test_values_a_rule_writes_are_checked_like_a_write_when_saved(client, as_alpha):
    response = await gql(
        client,
        CREATE_RULE,
        {
            "input": {
                "name": "bad values",
                "object": "Lead",
                "trigger": {"on": "created"},
                "conditions": {"field": "campaignId", "op": "eq", "value": "not an id"},
                "actions": [
                    {
                        "type": "update_fields",
                        "values": {
                            "sourceChannel": "WEBSITE",
                            "score": 5000,
                            "convertedAt": "2020-01-01",
                            "score2": 1,
                        },
                    },
                    {
                        "type": "create_record",
                        "object": "Opportunity",
                        "values": {"amount": "{{score}}"},
                    },
                    {"type": "create_record", "object": "NoSuchThing", "values": {"x": 1}},
                    {
                        "type": "update_fields",
                        "values": {"email": "{{companyName}}"},
                    },  # known only when the rule runs: not checked now
                ],
            }
        },
        token=as_alpha["admin"],
    )
    assert field_errors(response) == {
        "conditions.value": "INVALID_ID",
        "actions.0.values.sourceChannel": "INVALID_CHOICE",
        "actions.0.values.score": "OUT_OF_RANGE",
        "actions.0.values.convertedAt": "READ_ONLY",
        "actions.0.values.score2": "UNKNOWN_FIELD",
        "actions.1.values.name": "REQUIRED",
        "actions.2.object": "UNKNOWN_OBJECT",
    }
