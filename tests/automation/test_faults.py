"""Faults with real processes (`tessera serve`, `relay`, `worker`) and bounded waits: changes
made while redis is down run once it is back; a worker killed with SIGKILL in the middle of a run
leaves nothing behind, and the run completes once after a new worker takes the message over."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

import httpx

from tests.support.automation import disable, make_rule, runs_of
from tests.support.graphql import gql, login
from tests.support.processes import start, stop, until
from tests.support.receiver import Receiver
from tests.support.server import free_port

NODE = "query($id: ID!) { node(id: $id) { ... on Lead { tags } } }"


async def test_changes_made_while_redis_is_down_run_when_it_is_back(client, as_alpha, tenants):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    rule = await make_rule(client, admin, name="After outage", object="Lead", trigger={"on": "created"},
                           conditions={"field": "region", "op": "eq", "value": marker},
                           actions=[{"type": "add_tags", "names": ["delivered"]}])
    port = free_port()
    dead_redis = {"REDIS_URL": "redis://127.0.0.1:9/0"}  # nothing listens there
    api = start("serve", "--port", str(port), env=dead_redis)
    relay_down = start("relay", "--poll-seconds", "0.5", env=dead_redis)
    relay = worker = None
    try:
        # /readyz reports redis down (503) by design; the API is up when /healthz answers.
        async def serving() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False
        await until(serving, "the API did not start")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as down:
            session = await login(down, "alpha", tenants["alpha"].admin_email, tenants["alpha"].password)
            created = await gql(down, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
                                {"i": {"personName": "Outage", "region": marker}}, token=session["accessToken"])
            lead = created.data["createLead"]  # the write is accepted with the queue away
        await asyncio.sleep(2)  # the relay tries and fails meanwhile; the event waits in the outbox
        assert await runs_of(client, admin, rule["id"]) == []
        stop(relay_down)
        relay, worker = start("relay", "--poll-seconds", "0.5"), start("worker", "--processes", "1", "--threads", "1")

        async def delivered() -> bool:
            return (await gql(client, NODE, {"id": lead["id"]}, token=admin)).data["node"]["tags"] == ["delivered"]
        await until(delivered, "the event made while redis was down was not delivered")
        assert [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"]
    finally:
        await disable(client, admin, rule)
        stop(*(p for p in (api, relay_down, relay, worker) if p is not None))


async def test_a_worker_killed_mid_run_leaves_nothing_half_done_and_the_run_completes_once(client, as_alpha):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    erp = Receiver(delay_seconds=30)  # the first call hangs: the worker is mid-run, its transaction open
    rule = await make_rule(client, admin, name="Killed mid-run", object="Lead", trigger={"on": "created"},
                           conditions={"field": "region", "op": "eq", "value": marker},
                           actions=[{"type": "add_tags", "names": ["tagged"]}, {"type": "call_http", "url": erp.url},
                                    {"type": "create_task", "subject": "after the call"}])
    relay = start("relay", "--poll-seconds", "0.5")
    doomed = start("worker", "--processes", "1", "--threads", "1", env={"OUTBOUND_TIMEOUT_SECONDS": "60"})
    worker = None
    try:
        lead = (await gql(client, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
                          {"i": {"personName": "Killed", "region": marker}}, token=admin)).data["createLead"]

        async def called() -> bool:
            return len(erp.received) == 1
        await until(called, "the worker never reached the HTTP step")
        os.killpg(doomed.pid, signal.SIGKILL)  # mid-run: step 0 done in its transaction, step 1 waiting
        doomed.wait(timeout=10)
        erp.delay_seconds = 0
        assert await runs_of(client, admin, rule["id"], unmatched=True) == []  # nothing of the run committed
        # A new worker takes over the dead one's unacknowledged message once its heartbeat is stale.
        worker = start("worker", "--processes", "1", "--threads", "1",
                        env={"QUEUE_HEARTBEAT_TIMEOUT_MS": "2000", "QUEUE_MAINTENANCE_CHANCE": "1000000"})

        async def finished() -> bool:
            return [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"]
        await until(finished, "the interrupted run did not complete after a new worker started")
        node = await gql(client, "query($id: ID!) { node(id: $id) { ... on Lead { tags timeline { edges { node { subject } } } } } }",
                         {"id": lead["id"]}, token=admin)
        assert node.data["node"]["tags"] == ["tagged"]
        assert [e["node"]["subject"] for e in node.data["node"]["timeline"]["edges"]] == ["after the call"]
        # The outside system saw the step twice, with one key to drop the repeat by.
        assert len(erp.received) == 2 and erp.received[0].headers["webhook-id"] == erp.received[1].headers["webhook-id"]
    finally:
        stop(*(p for p in (relay, doomed, worker) if p is not None))
        erp.close()
        await disable(client, admin, rule)
