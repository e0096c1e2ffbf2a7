"""Automations and webhooks for imported records: they fire by default, an admin may turn them
off for one import (its events are still written, marked silent), and nobody else may."""

from __future__ import annotations

import uuid

import pytest

from tests.support.automation import deliver, make_rule, runs_of
from tests.support.data import START, run_import, uploaded
from tests.support.graphql import gql
from tests.support.receiver import Receiver

ENDPOINT = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }"
DELIVERIES = (
    "query($e: ID) { webhookDeliveries(endpointId: $e, first: 100) { edges { node { payload } } } }"
)


@pytest.fixture
async def listening(client, as_alpha):
    """A rule and a webhook endpoint on new leads of one region; both removed afterwards."""
    admin, region = as_alpha["admin"], "r" + uuid.uuid4().hex[:10]
    await deliver()  # events other tests left pending go out before these exist
    receiver = Receiver()
    rule = await make_rule(
        client,
        admin,
        name="Imported " + region,
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": region},
        actions=[{"type": "add_tags", "names": [region]}],
    )
    endpoint = (
        await gql(
            client,
            ENDPOINT,
            {"i": {"url": receiver.url, "eventTypes": ["Lead.created"]}},
            token=admin,
        )
    ).data["createWebhookEndpoint"]["endpoint"]
    try:
        yield region, rule, endpoint
    finally:
        await gql(
            client,
            "mutation($i: WebhookEndpointRefInput!) { deleteWebhookEndpoint(input: $i) { id } }",
            {"i": {"id": endpoint["id"]}},
            token=admin,
        )
        await gql(
            client,
            "mutation($i: RuleRefInput!) { deleteAutomationRule(input: $i) { id } }",
            {"i": {"id": rule["id"]}},
            token=admin,
        )
        receiver.close()


async def _import(client, token: str, region: str, names: list[str], **options) -> dict:
    text = "personName,region\n" + "".join(f"{name},{region}\n" for name in names)
    return await run_import(
        client,
        token,
        fileId=await uploaded(client, token, text.encode()),
        object="Lead",
        **options,
    )


async def _reached(client, token: str, rule: dict, endpoint: dict) -> tuple[int, set[str]]:
    """How many runs the rule made, and whose new leads the endpoint got."""
    await deliver()
    deliveries = (await gql(client, DELIVERIES, {"e": endpoint["id"]}, token=token)).data[
        "webhookDeliveries"
    ]["edges"]
    return len(await runs_of(client, token, rule["id"])), {
        d["node"]["payload"]["data"]["record"]["personName"] for d in deliveries
    }


async def test_imported_records_reach_rules_and_webhooks_unless_an_admin_turns_them_off(
    client, as_alpha, listening
):
    admin = as_alpha["admin"]
    region, rule, endpoint = listening
    job = await _import(client, admin, region, ["On1", "On2"])
    assert job["result"]["created"] == 2, job
    assert await _reached(client, admin, rule, endpoint) == (2, {"On1", "On2"})

    job = await _import(client, admin, region, ["Off1", "Off2"], automations=False)
    assert (job["status"], job["result"]["created"]) == ("SUCCEEDED", 2), job
    assert await _reached(client, admin, rule, endpoint) == (2, {"On1", "On2"})


async def test_only_admins_may_import_without_automations(client, as_alpha):
    manager = as_alpha["manager"]
    file_id = await uploaded(client, manager, b"personName\nAnn\n")
    refused = await gql(
        client,
        START,
        {"input": {"fileId": file_id, "object": "Lead", "automations": False}},
        token=manager,
    )
    assert refused.codes == ["FORBIDDEN"]
    allowed = await gql(
        client,
        START,
        {"input": {"fileId": file_id, "object": "Lead", "dryRun": True}},
        token=manager,
    )
    assert allowed.codes == []
