"""Who reads the integrations' logs (webhook deliveries, inbound requests, sync log): admins, and
tokens with admin:read; no other role, whatever records the entries are about; and another tenant
none of them, at the API and in the database."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from strawberry import relay

from tests.support.erp import ErpSimulator
from tests.support.graphql import gql
from tests.support.receiver import Receiver
from tests.support.records import scoped_token

DELIVERIES = "query($e: ID) { webhookDeliveries(endpointId: $e) { edges { node { id } } } }"
REQUESTS = "query($e: ID) { inboundRequests(endpointId: $e) { edges { node { id } } } }"
SYNC_LOG = "query($e: ID) { syncLog(connectionId: $e) { edges { node { runId status } } } }"
ROLES_LOCKED_OUT = ("manager", "member", "agent", "viewer")


def _uuid(global_id: str) -> uuid.UUID:
    return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)


@pytest.fixture
async def logs(client, as_alpha):
    """One entry in each of alpha's three logs: {query: (owner id, table, owner column)}."""
    admin = as_alpha["admin"]
    receiver, erp = Receiver(), ErpSimulator()
    try:
        webhook = (
            await gql(
                client,
                "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) "
                "{ endpoint { id } } }",
                {"i": {"url": receiver.url, "eventTypes": ["Nothing.created"]}},
                token=admin,
            )
        ).data["createWebhookEndpoint"]["endpoint"]["id"]
        sent = await gql(
            client,
            "mutation($i: WebhookEndpointRefInput!) { sendTestWebhook(input: $i) { id } }",
            {"i": {"id": webhook}},
            token=admin,
        )
        assert sent.data, sent.errors
        form = (
            await gql(
                client,
                "mutation($i: CreateInboundEndpointInput!) { createInboundEndpoint(input: $i) "
                "{ endpoint { id path } } }",
                {
                    "i": {
                        "name": f"Logged {uuid.uuid4().hex[:6]}",
                        "kind": "FORM",
                        "object": "Lead",
                        "mapping": {"fields": {"personName": "$.name"}},
                    }
                },
                token=admin,
            )
        ).data["createInboundEndpoint"]
        assert (
            await client.post(form["endpoint"]["path"], data={"name": "Logged"})
        ).status_code == 202
        connection = (
            await gql(
                client,
                "mutation($i: CreateSyncConnectionInput!) { createSyncConnection(input: $i) { id } }",
                {
                    "i": {
                        "name": "Logged ERP",
                        "connector": "rest_erp",
                        "system": "erp",
                        "baseUrl": erp.url,
                        "credentials": erp.token,
                        "intervalSeconds": 3600,
                    }
                },
                token=admin,
            )
        ).data["createSyncConnection"]["id"]
        await gql(
            client,
            "mutation($i: SyncConnectionRefInput!) { runSyncNow(input: $i) { id } }",
            {"i": {"id": connection}},
            token=admin,
        )
        from workers.scheduler import schedule_once

        await schedule_once(datetime.now(timezone.utc) + timedelta(seconds=1))
        yield {
            DELIVERIES: (webhook, "webhook_delivery", "endpoint_id"),
            REQUESTS: (form["endpoint"]["id"], "inbound_request", "endpoint_id"),
            SYNC_LOG: (connection, "sync_log", "connection_id"),
        }
        for mutation, ref in (
            ("deleteWebhookEndpoint(input: {id: $id}) { id }", webhook),
            ("deleteInboundEndpoint(input: {id: $id}) { id }", form["endpoint"]["id"]),
            ("deleteSyncConnection(input: {id: $id})", connection),
        ):
            await gql(client, f"mutation($id: ID!) {{ {mutation} }}", {"id": ref}, token=admin)
    finally:
        receiver.close()
        erp.close()


async def _entries(client, token, query, owner):
    response = await gql(client, query, {"e": owner}, token=token)
    return response.nodes(next(iter(response.data)))


async def test_only_admins_read_the_integration_logs(client, as_alpha, logs):
    reader = await scoped_token(client, as_alpha["admin"], ["admin:read"])
    writers = [
        await scoped_token(client, as_alpha["admin"], [scope])
        for scope in ("crm:write", "tickets:write")
    ]
    for query, (owner, _, _) in logs.items():
        assert len(await _entries(client, as_alpha["admin"], query, owner)) >= 1, query
        assert await _entries(client, reader, query, owner) == await _entries(
            client, as_alpha["admin"], query, owner
        )
        for role in ROLES_LOCKED_OUT:
            for filtered in (owner, None):
                assert (await gql(client, query, {"e": filtered}, token=as_alpha[role])).codes == [
                    "FORBIDDEN"
                ], (query, role)
        for token in writers:
            assert (await gql(client, query, {"e": owner}, token=token)).codes == ["FORBIDDEN"], (
                query
            )


async def test_another_tenant_reads_no_entry_of_the_integration_logs(
    client, as_alpha, as_beta, app_db, tenants, logs
):
    for query, (owner, table, column) in logs.items():
        assert await _entries(client, as_beta["admin"], query, owner) == [], query
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            assert (
                await app_db.fetchval(
                    f"SELECT count(*) FROM {table} WHERE {column} = $1", _uuid(owner)
                )
                == 0
            ), table
            assert (
                await app_db.execute(f"DELETE FROM {table} WHERE {column} = $1", _uuid(owner))
                == "DELETE 0"
            ), table
        async with app_db.transaction():
            await app_db.execute(
                "SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id
            )
            assert (
                await app_db.fetchval(
                    f"SELECT count(*) FROM {table} WHERE {column} = $1", _uuid(owner)
                )
                >= 1
            ), table
