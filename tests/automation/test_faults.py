"""Faults with real processes (`tessera serve`, `relay`, `worker`) and bounded waits: changes
made while redis is down run once it is back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid

import httpx

from tests.support.automation import disable, make_rule, runs_of
from tests.support.cli import TESSERA
from tests.support.graphql import gql, login
from tests.support.server import free_port

WAIT_SECONDS = 40
NODE = "query($id: ID!) { node(id: $id) { ... on Lead { tags } } }"


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([*TESSERA, *args], env={**os.environ, **(env or {})}, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(*procs: subprocess.Popen) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


async def _until(check, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + WAIT_SECONDS
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.3)


async def test_changes_made_while_redis_is_down_run_when_it_is_back(client, as_alpha, tenants):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    rule = await make_rule(client, admin, name="After outage", object="Lead", trigger={"on": "created"},
                           conditions={"field": "region", "op": "eq", "value": marker},
                           actions=[{"type": "add_tags", "names": ["delivered"]}])
    port = free_port()
    dead_redis = {"REDIS_URL": "redis://127.0.0.1:9/0"}  # nothing listens there
    api = _start("serve", "--port", str(port), env=dead_redis)
    relay_down = _start("relay", "--poll-seconds", "0.5", env=dead_redis)
    relay = worker = None
    try:
        # /readyz reports redis down (503) by design; the API is up when /healthz answers.
        async def serving() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False
        await _until(serving, "the API did not start")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as down:
            session = await login(down, "alpha", tenants["alpha"].admin_email, tenants["alpha"].password)
            created = await gql(down, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
                                {"i": {"personName": "Outage", "region": marker}}, token=session["accessToken"])
            lead = created.data["createLead"]  # the write is accepted with the queue away
        await asyncio.sleep(2)  # the relay tries and fails meanwhile; the event waits in the outbox
        assert await runs_of(client, admin, rule["id"]) == []
        _stop(relay_down)
        relay, worker = _start("relay", "--poll-seconds", "0.5"), _start("worker", "--processes", "1", "--threads", "1")

        async def delivered() -> bool:
            return (await gql(client, NODE, {"id": lead["id"]}, token=admin)).data["node"]["tags"] == ["delivered"]
        await _until(delivered, "the event made while redis was down was not delivered")
        assert [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"]
    finally:
        await disable(client, admin, rule)
        _stop(*(p for p in (api, relay_down, relay, worker) if p is not None))
