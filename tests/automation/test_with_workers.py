"""The whole pipeline as deployed: a change through GraphQL, `tessera relay` and `tessera worker`
as real processes, and the rule's effect visible through GraphQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid

from tests.support.automation import disable, make_rule, runs_of
from tests.support.cli import TESSERA
from tests.support.graphql import gql

WAIT_SECONDS = 30


async def test_a_rule_runs_in_the_real_worker(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    rule = await make_rule(
        client,
        admin,
        name="Welcome",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[
            {"type": "update_fields", "values": {"status": "WORKING"}},
            {
                "type": "notify",
                "to": "users",
                "userIds": [user_ids["manager"]],
                "title": f"Lead {{{{personName}}}} {marker}",
            },
        ],
    )
    env = os.environ.copy()
    relay = subprocess.Popen(
        [*TESSERA, "relay", "--poll-seconds", "0.5"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = subprocess.Popen(
        [*TESSERA, "worker", "--processes", "1", "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lead = (
            await gql(
                client,
                "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
                {"i": {"personName": "Real", "region": marker}},
                token=admin,
            )
        ).data["createLead"]
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            notes = (
                await gql(
                    client,
                    "{ notifications(first: 100) { edges { node { title } } } }",
                    token=as_alpha["manager"],
                )
            ).nodes("notifications")
            if any(n["title"] == f"Lead Real {marker}" for n in notes):
                break
            assert relay.poll() is None and worker.poll() is None, "relay or worker died"
            assert time.monotonic() < deadline, "the rule did not run"
            await asyncio.sleep(0.3)
        status = await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Lead { status } } }",
            {"id": lead["id"]},
            token=admin,
        )
        assert status.data["node"]["status"] == "WORKING"
        assert [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"]
    finally:
        await disable(client, admin, rule)
        for proc in (relay, worker):
            proc.send_signal(signal.SIGTERM)
        outputs = [proc.communicate(timeout=30)[0] for proc in (relay, worker)]
    assert worker.returncode == 0, outputs[1][-2000:]
