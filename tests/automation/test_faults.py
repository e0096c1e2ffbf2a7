"""Faults with real processes (`tessera serve`, `relay`, `worker`, a redis of the test's own) and
bounded waits: changes made while redis is stopped run once it is restarted; a worker killed with
SIGKILL in the middle of a run leaves nothing behind, and the run completes once after a new
worker takes the message over, within the heartbeat timeout and one takeover period."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid

import httpx

from tests.support.automation import disable, make_rule, runs_of
from tests.support.graphql import gql, login
from tests.support.processes import redis_server, start, stop, until
from tests.support.receiver import Receiver
from tests.support.server import free_port

NODE = "query($id: ID!) { node(id: $id) { ... on Lead { tags } } }"


async def test_redis_stopped_and_restarted_while_changes_are_made_loses_nothing(
    client, as_alpha, tenants
):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    rule = await make_rule(
        client,
        admin,
        name="Through an outage",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[{"type": "add_tags", "names": ["delivered"]}],
    )
    redis_port, api_port = free_port(), free_port()
    own = {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    redis = redis_server(redis_port)
    api, relay, worker = (
        start("serve", "--port", str(api_port), env=own),
        start("relay", "--poll-seconds", "0.5", env=own),
        start("worker", "--processes", "1", "--threads", "1", env=own),
    )
    try:

        async def serving() -> (
            bool
        ):  # /healthz: the process is up (/readyz would say redis is down, by design)
            try:
                return (
                    httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=1).status_code == 200
                )
            except httpx.TransportError:
                return False

        await until(serving, "the API did not start")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}") as api_client:
            token = (
                await login(
                    api_client, "alpha", tenants["alpha"].admin_email, tenants["alpha"].password
                )
            )["accessToken"]

            async def lead(name: str) -> str:
                created = await gql(
                    api_client,
                    "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
                    {"i": {"personName": name, "region": marker}},
                    token=token,
                )
                return created.data["createLead"][
                    "id"
                ]  # accepted whether or not the queue is there

            def tagged(*ids: str):
                async def check() -> bool:
                    nodes = [
                        (await gql(client, NODE, {"id": i}, token=admin)).data["node"] for i in ids
                    ]
                    return all(n["tags"] == ["delivered"] for n in nodes)

                return check

            before = await lead("Before")
            await until(tagged(before), "the pipeline did not work before the outage")
            redis.terminate()
            redis.wait(timeout=10)
            during = [await lead("During 1"), await lead("During 2")]
            await asyncio.sleep(
                2
            )  # the relay tries and fails meanwhile; the events wait in the outbox
            assert not await tagged(*during)()
            redis = redis_server(redis_port)  # back, empty
            await until(tagged(*during), "the changes made while redis was down were not delivered")
        assert [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"] * 3
    finally:
        await disable(client, admin, rule)
        stop(api, relay, worker)
        redis.terminate()
        redis.wait(timeout=10)


async def test_a_worker_killed_mid_run_leaves_nothing_half_done_and_the_run_completes_once(
    client, as_alpha
):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    erp = Receiver(
        delay_seconds=30
    )  # the first call hangs: the worker is mid-run, its transaction open
    rule = await make_rule(
        client,
        admin,
        name="Killed mid-run",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[
            {"type": "add_tags", "names": ["tagged"]},
            {"type": "call_http", "url": erp.url},
            {"type": "create_task", "subject": "after the call"},
        ],
    )
    relay = start("relay", "--poll-seconds", "0.5")
    doomed = start(
        "worker", "--processes", "1", "--threads", "1", env={"OUTBOUND_TIMEOUT_SECONDS": "60"}
    )
    worker = None
    try:
        lead = (
            await gql(
                client,
                "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
                {"i": {"personName": "Killed", "region": marker}},
                token=admin,
            )
        ).data["createLead"]

        async def called() -> bool:
            return len(erp.received) == 1

        await until(called, "the worker never reached the HTTP step")
        os.killpg(
            doomed.pid, signal.SIGKILL
        )  # mid-run: step 0 done in its transaction, step 1 waiting
        doomed.wait(timeout=10)
        erp.delay_seconds = 0
        # Nothing of the run committed. (Other tests' leads still waiting in the outbox may pass
        # the rule and be skipped by its conditions meanwhile: those runs are not this lead's.)
        assert await runs_of(client, admin, rule["id"]) == []
        # A new worker takes over the dead one's unacknowledged message once its heartbeat is stale.
        worker = start(
            "worker",
            "--processes",
            "1",
            "--threads",
            "1",
            env={"QUEUE_HEARTBEAT_TIMEOUT_MS": "2000"},
        )

        async def finished() -> bool:
            return [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"]

        await until(finished, "the interrupted run did not complete after a new worker started")
        node = await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Lead { tags timeline { edges { node { subject } } } } } }",
            {"id": lead["id"]},
            token=admin,
        )
        assert node.data["node"]["tags"] == ["tagged"]
        assert [e["node"]["subject"] for e in node.data["node"]["timeline"]["edges"]] == [
            "after the call"
        ]
        # The outside system saw the step twice, with one key to drop the repeat by.
        assert (
            len(erp.received) == 2
            and erp.received[0].headers["webhook-id"] == erp.received[1].headers["webhook-id"]
        )
    finally:
        stop(*(p for p in (relay, doomed, worker) if p is not None))
        erp.close()
        await disable(client, admin, rule)


async def test_the_work_of_a_killed_worker_is_done_within_the_heartbeat_timeout_and_30_seconds(
    client, as_alpha
):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    heartbeat_seconds = 3
    erp = Receiver(
        delay_seconds=30
    )  # the calls hang: both of the doomed worker's threads are mid-run
    rule = await make_rule(
        client,
        admin,
        name="Taken over",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[{"type": "call_http", "url": erp.url}, {"type": "add_tags", "names": ["done"]}],
    )
    relay = start("relay", "--poll-seconds", "0.5")
    doomed = start(
        "worker", "--processes", "1", "--threads", "2", env={"OUTBOUND_TIMEOUT_SECONDS": "60"}
    )
    survivor = None
    try:
        # Given a worker in the middle of two runs
        for name in ("Taken over 1", "Taken over 2"):
            await gql(
                client,
                "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
                {"i": {"personName": name, "region": marker}},
                token=admin,
            )

        async def both_called() -> bool:
            return len(erp.received) == 2

        await until(both_called, "the worker never reached the HTTP step of both runs")
        # When it is killed, its whole process group, and another worker is started (with dramatiq's
        # default chance of maintenance, which alone would take minutes to find the messages)
        os.killpg(doomed.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        doomed.wait(timeout=10)
        erp.delay_seconds = 0
        survivor = start(
            "worker",
            "--processes",
            "1",
            "--threads",
            "2",
            env={"QUEUE_HEARTBEAT_TIMEOUT_MS": str(heartbeat_seconds * 1000)},
        )

        # Then both runs complete within the heartbeat timeout and one takeover period (a liveness
        # bound: before the takeover was scheduled, the relay's 5-minute sweep was what saved them)
        async def done() -> bool:
            return [r["status"] for r in await runs_of(client, admin, rule["id"])] == [
                "SUCCEEDED"
            ] * 2

        await until(
            done,
            "the killed worker's runs were not taken over in time",
            seconds=heartbeat_seconds + 30 - (time.monotonic() - killed_at),
        )
    finally:
        stop(*(p for p in (relay, doomed, survivor) if p is not None))
        erp.close()
        await disable(client, admin, rule)
