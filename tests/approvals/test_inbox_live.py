"""`myApprovals` live over a real WebSocket: a request entering and leaving each approver's inbox,
announced through `tessera relay` and redis to a `tessera serve` process other than the one the
decisions went through; another tenant's subscriber hears nothing of it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest

from tests.support.approvals import RECALL, delete_process, make_process, submit, users_step
from tests.support.cli import TESSERA
from tests.support.database import connect
from tests.support.graphql import gql
from tests.support.live import live, open_subscriptions
from tests.support.server import served

INBOX = """subscription { myApprovals { kind cursor requestId
  request { id status currentStep } onBehalfOf { id } } }"""
OPPORTUNITY = (
    "mutation($input: CreateOpportunityInput!) { createOpportunity(input: $input) { id version } }"
)


@pytest.fixture(scope="module")
async def server(tenants) -> AsyncIterator[str]:
    async with AsyncExitStack() as stack:
        base = await stack.enter_async_context(served())
        relay = subprocess.Popen(
            [*TESSERA, "relay", "--poll-seconds", "0.2"],
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def stop_relay() -> None:
            relay.send_signal(signal.SIGTERM)
            try:
                relay.wait(timeout=20)
            except subprocess.TimeoutExpired:
                relay.kill()
                relay.wait(timeout=10)

        stack.callback(stop_relay)
        await _relay_caught_up()
        yield base


async def _relay_caught_up(limit_seconds: float = 120) -> None:
    """Earlier tests' events must be out of the outbox before the subscriptions start."""
    conn = await connect(os.environ["DATABASE_URL"])
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_seconds
        while await conn.fetchval("SELECT events FROM outbox_backlog()") > 0:
            assert loop.time() < deadline, "the relay did not catch up with the outbox"
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def _deal(client, token: str) -> dict:
    return (await gql(client, OPPORTUNITY, {"input": {"name": "Inbox deal"}}, token=token)).data[
        "createOpportunity"
    ]


async def test_requests_enter_and_leave_each_approvers_inbox_live(
    server, client, as_alpha, as_beta, user_ids
):
    admin = as_alpha["admin"]
    process = await make_process(
        client,
        admin,
        object="Opportunity",
        steps=[
            users_step("Manager", [user_ids["manager"]]),
            users_step("Agent", [user_ids["agent"]]),
        ],
    )
    beta_me = (await gql(client, "{ me { id } }", token=as_beta["admin"])).data["me"]["id"]
    beta_process = await make_process(
        client, as_beta["admin"], object="Opportunity", steps=[users_step("Me", [beta_me])]
    )
    try:
        async with (
            live(server, as_alpha["manager"]) as manager,
            live(server, as_alpha["agent"]) as agent,
            live(server, as_beta["admin"]) as rival,
        ):
            to_manager = await manager.subscribe(INBOX)
            to_agent = await agent.subscribe(INBOX)
            to_rival = await rival.subscribe(INBOX)
            # Each subscription reads the inbox as it starts: a request submitted before that read
            # is already "known" and never announced (clients query after subscribing). Wait until
            # the process holds all three before submitting.
            async with httpx.AsyncClient(base_url=server) as http:
                await open_subscriptions(http, 3)
            deal = await _deal(client, as_alpha["member"])
            request = (
                await submit(client, as_alpha["member"], deal["id"], processId=process["id"])
            ).data["submitForApproval"]

            added = (await manager.next(to_manager))["myApprovals"]
            assert added["kind"] == "ADDED" and added["requestId"] == request["id"]
            assert added["request"] == {"id": request["id"], "status": "PENDING", "currentStep": 0}
            assert added["onBehalfOf"] is None

            approved = await gql(
                client,
                "mutation($i: DecideApprovalInput!) { approve(input: $i) { id currentStep } }",
                {"i": {"requestId": request["id"]}},
                token=as_alpha["manager"],
            )
            assert approved.data["approve"]["currentStep"] == 1
            left = (await manager.next(to_manager))["myApprovals"]
            assert left["kind"] == "REMOVED" and left["requestId"] == request["id"]
            assert left["cursor"] == added["cursor"]
            arrived = (await agent.next(to_agent))["myApprovals"]
            assert arrived["kind"] == "ADDED" and arrived["request"]["currentStep"] == 1

            recalled = await gql(
                client, RECALL, {"input": {"requestId": request["id"]}}, token=as_alpha["member"]
            )
            assert recalled.data["recall"]["status"] == "RECALLED"
            gone = (await agent.next(to_agent))["myApprovals"]
            assert gone["kind"] == "REMOVED" and gone["request"]["status"] == "RECALLED"

            # The other tenant heard nothing of alpha's request: its first event is its own.
            beta_deal = await _deal(client, as_beta["member"])
            own = (
                await submit(
                    client, as_beta["member"], beta_deal["id"], processId=beta_process["id"]
                )
            ).data["submitForApproval"]
            first = (await rival.next(to_rival))["myApprovals"]
            assert first["kind"] == "ADDED" and first["requestId"] == own["id"]
            await gql(client, RECALL, {"input": {"requestId": own["id"]}}, token=as_beta["member"])
    finally:
        await delete_process(client, admin, process)
        await delete_process(client, as_beta["admin"], beta_process)
