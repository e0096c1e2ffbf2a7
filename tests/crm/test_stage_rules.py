"""Stage rules per pipeline: the fields a stage requires and the moves each stage allows, defined by
admins through GraphQL, off until the pipeline enforces them, and then checked on every write path
(update, bulk update, create, automations, upserts) as BAD_USER_INPUT with field errors."""

from __future__ import annotations

import uuid

import pytest

from tests.support.automation import deliver, disable, make_rule, runs_of
from tests.support.custom import field_codes
from tests.support.graphql import gql

PIPELINE = (
    "mutation($i: CreatePipelineInput!) { createPipeline(input: $i) { id version enforceStageRules "
    "stages { id name version requiredFields allowedNextStageIds } } }"
)
UPDATE_PIPELINE = (
    "mutation($i: UpdatePipelineInput!) { updatePipeline(input: $i) { version enforceStageRules } }"
)
UPDATE_STAGE = "mutation($i: UpdateStageInput!) { updateStage(input: $i) { version requiredFields allowedNextStageIds } }"
CREATE_DEAL = "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id version stage { name } } }"
UPDATE_DEAL = "mutation($i: UpdateOpportunityInput!) { updateOpportunity(input: $i) { version stage { name } closedAt } }"
STAGES = [
    {"name": "Qualification", "probability": 10, "kind": "OPEN"},
    {
        "name": "Proposal",
        "probability": 50,
        "kind": "OPEN",
        "requiredFields": ["expectedCloseDate"],
    },
    {
        "name": "Closed won",
        "probability": 100,
        "kind": "WON",
        "requiredFields": ["amount", "customerId"],
    },
    {"name": "Closed lost", "probability": 0, "kind": "LOST"},
]


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def make_pipeline(client, admin: str, marker: str) -> tuple[dict, dict[str, dict]]:
    pipeline = (
        await gql(
            client, PIPELINE, {"i": {"name": f"Rules {marker}", "stages": STAGES}}, token=admin
        )
    ).data["createPipeline"]
    return pipeline, {s["name"]: s for s in pipeline["stages"]}


async def enforce(client, admin: str, marker: str) -> tuple[dict, dict[str, dict]]:
    """A pipeline that enforces its rules, where a qualifying deal may only move to Proposal or Closed lost."""
    pipeline, stages = await make_pipeline(client, admin, marker)
    assert (
        await gql(
            client,
            UPDATE_PIPELINE,
            {"i": {"id": pipeline["id"], "version": 1, "enforceStageRules": True}},
            token=admin,
        )
    ).data["updatePipeline"]["enforceStageRules"] is True
    qualification = stages["Qualification"]
    allowed = [stages["Proposal"]["id"], stages["Closed lost"]["id"]]
    updated = await gql(
        client,
        UPDATE_STAGE,
        {
            "i": {
                "id": qualification["id"],
                "version": qualification["version"],
                "allowedNextStageIds": allowed,
            }
        },
        token=admin,
    )
    assert updated.data["updateStage"]["allowedNextStageIds"] == allowed
    return pipeline, stages


async def new_deal(client, admin: str, pipeline: dict, name: str = "Deal") -> dict:
    return (
        await gql(
            client, CREATE_DEAL, {"i": {"name": name, "pipelineId": pipeline["id"]}}, token=admin
        )
    ).data["createOpportunity"]


async def test_stage_rules_are_off_by_default(client, as_alpha, marker):
    admin = as_alpha["admin"]
    pipeline, stages = await make_pipeline(client, admin, marker)
    assert pipeline["enforceStageRules"] is False
    assert (
        stages["Closed won"]["requiredFields"] == ["amount", "customerId"]
        and stages["Qualification"]["allowedNextStageIds"] is None
    )
    deal = await new_deal(client, admin, pipeline)
    # A deal may jump from Qualification straight to Closed won without an amount
    jumped = await gql(
        client,
        UPDATE_DEAL,
        {"i": {"id": deal["id"], "version": 1, "stageId": stages["Closed won"]["id"]}},
        token=admin,
    )
    assert jumped.data["updateOpportunity"]["stage"]["name"] == "Closed won"


async def test_an_enforcing_pipeline_refuses_a_disallowed_move_and_missing_fields(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    pipeline, stages = await enforce(client, admin, marker)
    deal = await new_deal(client, admin, pipeline)
    assert deal["stage"]["name"] == "Qualification"

    # When the deal jumps from Qualification to Closed won with no amount and no customer
    jumped = await gql(
        client,
        UPDATE_DEAL,
        {"i": {"id": deal["id"], "version": 1, "stageId": stages["Closed won"]["id"]}},
        token=admin,
    )
    # Then it is refused, naming the move and each missing field
    assert field_codes(jumped) == {
        "stageId": "STAGE_MOVE_NOT_ALLOWED",
        "amount": "REQUIRED",
        "customerId": "REQUIRED",
    }
    assert (
        "can move to Proposal, Closed lost"
        in jumped.errors[0]["extensions"]["fieldErrors"][0]["message"]
    )

    # Moving to Proposal needs its expected close date, which the same write may bring
    to_proposal = {"id": deal["id"], "version": 1, "stageId": stages["Proposal"]["id"]}
    assert field_codes(await gql(client, UPDATE_DEAL, {"i": to_proposal}, token=admin)) == {
        "expectedCloseDate": "REQUIRED"
    }
    moved = await gql(
        client, UPDATE_DEAL, {"i": {**to_proposal, "expectedCloseDate": "2027-03-31"}}, token=admin
    )
    assert moved.data["updateOpportunity"]["stage"]["name"] == "Proposal"
    # A deal in Proposal cannot lose its expected close date
    cleared = await gql(
        client,
        UPDATE_DEAL,
        {"i": {"id": deal["id"], "version": 2, "expectedCloseDate": None}},
        token=admin,
    )
    assert field_codes(cleared) == {"expectedCloseDate": "REQUIRED"}

    # From Proposal (any move allowed) to Closed won with what it requires: accepted
    customer = (
        await gql(
            client, 'mutation { createCustomer(input: {name: "Winner"}) { id } }', token=admin
        )
    ).data["createCustomer"]
    won = await gql(
        client,
        UPDATE_DEAL,
        {
            "i": {
                "id": deal["id"],
                "version": 2,
                "stageId": stages["Closed won"]["id"],
                "amount": "5000",
                "customerId": customer["id"],
            }
        },
        token=admin,
    )
    assert (
        won.data["updateOpportunity"]["stage"]["name"] == "Closed won"
        and won.data["updateOpportunity"]["closedAt"]
    )


async def test_every_write_path_checks_the_rules(client, as_alpha, marker):
    admin = as_alpha["admin"]
    pipeline, stages = await enforce(client, admin, marker)
    won = stages["Closed won"]["id"]

    # Creating a deal straight in Closed won
    created = await gql(
        client,
        CREATE_DEAL,
        {"i": {"name": "Born won", "pipelineId": pipeline["id"], "stageId": won}},
        token=admin,
    )
    assert field_codes(created) == {"amount": "REQUIRED", "customerId": "REQUIRED"}

    # A bulk update names the item
    deals = [await new_deal(client, admin, pipeline, f"Bulk {n}") for n in range(2)]
    bulk = await gql(
        client,
        "mutation($i: [UpdateOpportunityInput!]!) { bulkUpdateOpportunities(input: {items: $i}) { id } }",
        {
            "i": [
                {"id": deals[0]["id"], "version": 1, "stageId": stages["Closed lost"]["id"]},
                {"id": deals[1]["id"], "version": 1, "stageId": stages["Proposal"]["id"]},
            ]
        },
        token=admin,
    )
    assert field_codes(bulk) == {"items.1.expectedCloseDate": "REQUIRED"}

    # An upsert by external id
    upsert = await gql(
        client,
        "mutation($i: UpsertRecordsInput!) { upsertRecords(input: $i) { created } }",
        {
            "i": {
                "object": "Opportunity",
                "system": f"erp-{marker}",
                "items": [
                    {
                        "externalId": "o-1",
                        "values": {
                            "name": "From ERP",
                            "pipelineId": pipeline["id"],
                            "stageId": won,
                        },
                    }
                ],
            }
        },
        token=admin,
    )
    assert field_codes(upsert) == {"items.0.amount": "REQUIRED", "items.0.customerId": "REQUIRED"}

    # An automation's change_stage: the step fails with the reason
    rule = await make_rule(
        client,
        admin,
        name="Jump",
        object="Opportunity",
        trigger={"on": "created"},
        conditions={"field": "name", "op": "eq", "value": f"Jump {marker}"},
        actions=[{"type": "change_stage", "stage": "closed won"}],
    )
    try:
        deal = await new_deal(client, admin, pipeline, f"Jump {marker}")
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "RETRYING"
        assert (
            "stageId STAGE_MOVE_NOT_ALLOWED" in run["reason"] and "amount REQUIRED" in run["reason"]
        )
        still = await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Opportunity { stage { name } } } }",
            {"id": deal["id"]},
            token=admin,
        )
        assert still.data["node"]["stage"]["name"] == "Qualification"
    finally:
        await disable(client, admin, rule)


async def test_stage_rules_are_checked_when_saved_and_only_admins_define_them(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    pipeline, stages = await make_pipeline(client, admin, marker)
    proposal = stages["Proposal"]
    default = (
        await gql(
            client,
            "{ pipelines(filter: {isDefault: {eq: true}}) { edges { node { stages { id } } } } }",
            token=admin,
        )
    ).data
    other_pipeline_stage = default["pipelines"]["edges"][0]["node"]["stages"][0]["id"]
    bad = await gql(
        client,
        UPDATE_STAGE,
        {
            "i": {
                "id": proposal["id"],
                "version": proposal["version"],
                "requiredFields": ["amount", "mood", "customFields.nope"],
                "allowedNextStageIds": [other_pipeline_stage, proposal["id"]],
            }
        },
        token=admin,
    )
    assert field_codes(bad) == {
        "requiredFields.1": "UNKNOWN_FIELD",
        "requiredFields.2": "UNKNOWN_FIELD",
        "allowedNextStageIds.0": "NOT_FOUND",
        "allowedNextStageIds.1": "INVALID_VALUE",
    }
    made = await gql(
        client,
        PIPELINE,
        {"i": {"name": "Bad", "stages": [{**STAGES[0], "requiredFields": ["nope"]}]}},
        token=admin,
    )
    assert field_codes(made) == {"stages.0.requiredFields.0": "UNKNOWN_FIELD"}

    # Managers read stages but do not define their rules
    change = {"id": proposal["id"], "version": proposal["version"], "requiredFields": ["amount"]}
    assert (await gql(client, UPDATE_STAGE, {"i": change}, token=as_alpha["manager"])).codes == [
        "FORBIDDEN"
    ]
    assert (
        await gql(
            client,
            UPDATE_PIPELINE,
            {"i": {"id": pipeline["id"], "version": 1, "enforceStageRules": True}},
            token=as_alpha["manager"],
        )
    ).codes == ["FORBIDDEN"]


async def test_stage_rules_stay_in_their_tenant(client, as_alpha, as_beta, tenants, app_db, marker):
    admin = as_alpha["admin"]
    pipeline, stages = await make_pipeline(client, admin, marker)
    proposal = stages["Proposal"]
    # Another tenant's admin can neither change nor read alpha's stage rules
    change = {"id": proposal["id"], "version": proposal["version"], "requiredFields": ["amount"]}
    assert (await gql(client, UPDATE_STAGE, {"i": change}, token=as_beta["admin"])).codes == [
        "NOT_FOUND"
    ]
    assert (
        await gql(
            client,
            UPDATE_PIPELINE,
            {"i": {"id": pipeline["id"], "version": 1, "enforceStageRules": True}},
            token=as_beta["admin"],
        )
    ).codes == ["NOT_FOUND"]
    assert (
        await gql(
            client,
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": proposal["id"]},
            token=as_beta["admin"],
        )
    ).data["node"] is None
    # nor point a stage of its own at alpha's stages
    _beta_pipeline, beta_stages = await make_pipeline(client, as_beta["admin"], marker)
    beta_first = beta_stages["Qualification"]
    crossed = await gql(
        client,
        UPDATE_STAGE,
        {
            "i": {
                "id": beta_first["id"],
                "version": beta_first["version"],
                "allowedNextStageIds": [proposal["id"]],
            }
        },
        token=as_beta["admin"],
    )
    assert field_codes(crossed) == {"allowedNextStageIds.0": "NOT_FOUND"}

    # In the database, row-level security keeps the rules in their tenant
    from strawberry import relay

    stage_id = uuid.UUID(relay.GlobalID.from_id(proposal["id"]).node_id)
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert await app_db.fetchval("SELECT count(*) FROM stage WHERE id = $1", stage_id) == 0
        assert (
            await app_db.execute(
                "UPDATE stage SET required_fields = '{amount}' WHERE id = $1", stage_id
            )
            == "UPDATE 0"
        )
        assert (
            await app_db.execute(
                "UPDATE pipeline SET enforce_stage_rules = true WHERE id = $1",
                uuid.UUID(relay.GlobalID.from_id(pipeline["id"]).node_id),
            )
            == "UPDATE 0"
        )
    after = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Stage { requiredFields pipeline { enforceStageRules } } } }",
        {"id": proposal["id"]},
        token=admin,
    )
    assert after.data["node"] == {
        "requiredFields": ["expectedCloseDate"],
        "pipeline": {"enforceStageRules": False},
    }
