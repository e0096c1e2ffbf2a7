"""The integrations as deployed, with `tessera relay` and `tessera worker` as real processes: a
signed request to an inbound endpoint is processed by the worker into a lead, whose creation the
worker then delivers, signed, to an outgoing webhook endpoint, right after commit."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from standardwebhooks import Webhook

from tests.support.graphql import gql
from tests.support.processes import start, stop, until
from tests.support.receiver import Receiver


async def test_a_pushed_lead_reaches_the_partner_through_real_workers(client, as_alpha):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    partner = Receiver()
    inbound = (
        await gql(
            client,
            "mutation($i: CreateInboundEndpointInput!) { createInboundEndpoint(input: $i) { secret endpoint { path } } }",
            {
                "i": {
                    "name": f"Push {marker}",
                    "kind": "WEBHOOK",
                    "object": "Lead",
                    "verification": "STANDARD",
                    "mapping": {"fields": {"personName": "$.name", "region": "$.region"}},
                }
            },
            token=admin,
        )
    ).data["createInboundEndpoint"]
    outbound = (
        await gql(
            client,
            "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id } } }",
            {"i": {"url": partner.url, "eventTypes": ["Lead.created"]}},
            token=admin,
        )
    ).data["createWebhookEndpoint"]
    relay, worker = (
        start("relay", "--poll-seconds", "0.5"),
        start("worker", "--processes", "1", "--threads", "2"),
    )
    try:
        body = json.dumps({"name": f"Pushed {marker}", "region": marker})
        now = datetime.now(timezone.utc)
        headers = {
            "webhook-id": f"msg_{marker}",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(inbound["secret"]).sign(f"msg_{marker}", now, body),
            "content-type": "application/json",
        }
        assert (
            await client.post(inbound["endpoint"]["path"], content=body, headers=headers)
        ).status_code == 202

        def mine() -> list[dict]:
            payloads = [
                Webhook(outbound["secret"]).verify(r.body, r.headers) for r in partner.received
            ]
            return [
                p
                for p in payloads
                if p["data"]["record"] and p["data"]["record"].get("region") == marker
            ]

        async def delivered() -> bool:
            return bool(mine())

        await until(delivered, "the partner never received the lead")
        [payload] = mine()
        assert (
            payload["type"] == "Lead.created"
            and payload["data"]["record"]["personName"] == f"Pushed {marker}"
        )
    finally:
        stop(relay, worker)
        partner.close()
        await gql(
            client,
            "mutation($i: WebhookEndpointRefInput!) { deleteWebhookEndpoint(input: $i) { id } }",
            {"i": {"id": outbound["endpoint"]["id"]}},
            token=admin,
        )
