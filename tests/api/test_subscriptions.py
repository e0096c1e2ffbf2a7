"""Subscriptions as deployed: two `tessera serve` processes and `tessera relay`, real WebSocket
clients (graphql-transport-ws). A change made through one process (or by the worker's code)
reaches subscribers connected to the other, checked again as each subscriber before it is sent."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest

from domain.jobs import register_job_kind
from tests.support.cli import TESSERA
from tests.support.database import connect
from tests.support.graphql import gql
from tests.support.live import live, open_subscriptions
from tests.support.records import make_customer, unique
from tests.support.server import served

# Short intervals so that pings, credential checks and limits show within a test; every wait in
# these tests is for a message (bounded by tests.support.live.WAIT_SECONDS), never a sleep.
# Process A pings every 2 s (the heartbeat test); B seldom, so that a client that reads nothing
# is dropped for its full queue, not for a missing pong (the slow-consumer test).
SERVER_ENV = {
    "SUBSCRIPTION_AUTH_CHECK_SECONDS": "1",
    "SUBSCRIPTIONS_PER_CONNECTION": "4",
    "SUBSCRIPTIONS_PER_TENANT": "10",
    "SUBSCRIPTION_QUEUE_SIZE": "8",
    "JOB_PROGRESS_POLL_SECONDS": "0.2",
}

CUSTOMER_CHANGES = """
subscription($ids: [ID!]) {
  recordChanged(object: "Customer", ids: $ids) {
    object action id fields occurredAt
    record { id ... on Customer { name tier customFields owner { id } } }
  }
}
"""
UPDATE_CUSTOMER = "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { version } }"


@dataclass
class Servers:
    a: str
    b: str
    http_a: httpx.AsyncClient
    http_b: httpx.AsyncClient


@pytest.fixture(scope="module")
async def servers(tenants) -> AsyncIterator[Servers]:
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(
            served({**SERVER_ENV, "SUBSCRIPTION_PING_SECONDS": "2"})
        )
        b = await stack.enter_async_context(
            served({**SERVER_ENV, "SUBSCRIPTION_PING_SECONDS": "600"})
        )
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
        http_a = await stack.enter_async_context(httpx.AsyncClient(base_url=a, timeout=30))
        http_b = await stack.enter_async_context(httpx.AsyncClient(base_url=b, timeout=30))
        yield Servers(a, b, http_a, http_b)


async def _relay_caught_up(limit_seconds: float = 120) -> None:
    """Wait until the relay has published what earlier tests left in the outbox: that backlog
    would otherwise reach the first subscriber of all customer changes as one burst, larger than
    its queue (and it would be dropped as a slow consumer, as designed)."""
    conn = await connect(os.environ["DATABASE_URL"])
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit_seconds
        while await conn.fetchval("SELECT events FROM outbox_backlog()") > 0:
            assert loop.time() < deadline, "the relay did not catch up with the outbox"
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def update_customer(http: httpx.AsyncClient, token: str, customer: dict, **fields) -> None:
    response = await gql(
        http,
        UPDATE_CUSTOMER,
        {"i": {"id": customer["id"], "version": customer["version"], **fields}},
        token=token,
    )
    customer["version"] = response.data["updateCustomer"]["version"]


async def test_a_change_through_one_process_reaches_a_subscriber_of_the_other(servers, as_alpha):
    admin = as_alpha["admin"]
    async with live(servers.b, admin) as client:
        everything = await client.subscribe(CUSTOMER_CHANGES)
        customer = await make_customer(servers.http_a, admin, name=unique("Live"))
        created = (await client.next(everything))["recordChanged"]
        while created["id"] != customer["id"]:  # other tests' customers may pass by first
            created = (await client.next(everything))["recordChanged"]
        assert created["object"] == "Customer" and created["action"] == "created"
        assert created["record"] == {
            "id": customer["id"],
            "name": customer["name"],
            "tier": None,
            "customFields": {},
            "owner": {"id": customer["owner"]["id"]},
        }

        only_this = await client.subscribe(CUSTOMER_CHANGES, {"ids": [customer["id"]]})
        await update_customer(servers.http_a, admin, customer, tier="gold")
        for op in (everything, only_this):
            updated = (await client.next(op))["recordChanged"]
            assert updated["id"] == customer["id"] and updated["action"] == "updated"
            assert updated["fields"] == ["tier"]
            assert (
                updated["record"]["tier"] == "gold"
            )  # read after the commit, as the subscriber sees it

        await client.complete(only_this)
        await gql(
            servers.http_a,
            "mutation($i: DeleteInput!) { deleteCustomer(input: $i) { id } }",
            {"i": {"id": customer["id"]}},
            token=admin,
        )
        deleted = (await client.next(everything))["recordChanged"]
        assert (
            deleted["action"] == "deleted"
            and deleted["id"] == customer["id"]
            and deleted["record"] is None
        )


async def test_custom_object_records_are_subscribable_too(servers, as_alpha):
    from tests.support.custom import create_record, make_field, make_object

    admin = as_alpha["admin"]
    name = await make_object(servers.http_a, admin, stem="livething")
    await make_field(servers.http_a, admin, name, apiName="title", type="TEXT")
    query = (
        "subscription($o: String!) { recordChanged(object: $o) { object action id fields "
        "record { id ... on CustomRecord { object values } } } }"
    )
    async with live(servers.b, admin) as client:
        op = await client.subscribe(query, {"o": name})
        made = (await create_record(servers.http_a, admin, name, {"title": "first"})).data[
            "createRecord"
        ]
        change = (await client.next(op))["recordChanged"]
        assert (
            change["object"] == name
            and change["action"] == "created"
            and change["id"] == made["id"]
        )
        assert change["record"] == {"id": made["id"], "object": name, "values": {"title": "first"}}


async def run_rules_for(owner_db, global_id: str) -> None:
    """What the worker's actor does with the event the relay queued for a record's creation (no
    worker runs here): its rules run, and what they write commits with events of its own, which
    the relay then announces."""
    from strawberry import relay

    from workers.events import deliver_event

    record_id = uuid.UUID(relay.GlobalID.from_id(global_id).node_id)
    event = await owner_db.fetchrow(
        "SELECT tenant_id, id FROM outbox_event WHERE record_id = $1", record_id
    )
    await deliver_event(str(event["tenant_id"]), str(event["id"]))


async def create_lead(servers: Servers, token: str, region: str) -> str:
    created = await gql(
        servers.http_a,
        "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
        {"i": {"personName": "Live", "region": region}},
        token=token,
    )
    return created.data["createLead"]["id"]


async def test_a_rule_run_by_the_worker_notifies_its_user_on_the_other_process(
    servers, as_alpha, user_ids, owner_db
):
    from tests.support.automation import disable, make_rule

    admin, marker = as_alpha["admin"], uuid.uuid4().hex[:8]
    rules = [
        await make_rule(
            servers.http_a,
            admin,
            name=f"Live {marker} {role}",
            object="Lead",
            trigger={"on": "created"},
            conditions={"field": "region", "op": "eq", "value": f"{marker}-{role}"},
            actions=[
                {
                    "type": "notify",
                    "to": "users",
                    "userIds": [user_ids[role]],
                    "title": f"For {role} {marker}",
                }
            ],
        )
        for role in ("manager", "member")
    ]
    try:
        async with (
            live(servers.b, as_alpha["manager"]) as manager,
            live(servers.a, as_alpha["member"]) as member,
        ):
            for_manager = await manager.subscribe(
                "subscription { notificationAdded { id title recordType } }"
            )
            for_member = await member.subscribe("subscription { notificationAdded { id title } }")
            await run_rules_for(owner_db, await create_lead(servers, admin, f"{marker}-manager"))
            note = (await manager.next(for_manager))["notificationAdded"]
            assert note["title"] == f"For manager {marker}" and note["recordType"] == "Lead"
            # The member hears of their own notifications only: theirs comes first.
            await run_rules_for(owner_db, await create_lead(servers, admin, f"{marker}-member"))
            assert (await member.next(for_member))["notificationAdded"][
                "title"
            ] == f"For member {marker}"
    finally:
        for rule in rules:
            await disable(servers.http_a, admin, rule)


async def test_another_tenants_subscriber_receives_nothing(servers, as_alpha, as_beta):
    async with (
        live(servers.a, as_alpha["admin"]) as alpha,
        live(servers.b, as_beta["admin"]) as beta,
    ):
        alpha_op, beta_op = (
            await alpha.subscribe(CUSTOMER_CHANGES),
            await beta.subscribe(CUSTOMER_CHANGES),
        )
        # Naming another tenant's record changes nothing: announcements go to their tenant only.
        secret = await make_customer(servers.http_a, as_alpha["admin"], name=unique("AlphaOnly"))
        beta_named = await beta.subscribe(CUSTOMER_CHANGES, {"ids": [secret["id"]]})
        await update_customer(servers.http_a, as_alpha["admin"], secret, tier="gold")
        seen = [(await alpha.next(alpha_op))["recordChanged"] for _ in range(2)]
        assert [(c["id"], c["action"]) for c in seen] == [
            (secret["id"], "created"),
            (secret["id"], "updated"),
        ]
        # Every process has been told of alpha's changes by now; beta's subscriptions heard none:
        # the first thing they hear is beta's own change.
        sentinel = await make_customer(
            servers.http_b, as_beta["admin"], name=unique("BetaSentinel")
        )
        assert (await beta.next(beta_op))["recordChanged"]["id"] == sentinel["id"]
        await beta.complete(beta_named)
        await update_customer(servers.http_b, as_beta["admin"], sentinel, tier="gold")
        assert (await beta.next(beta_op))["recordChanged"]["action"] == "updated"


async def test_each_event_is_checked_for_visibility_and_hidden_fields(servers, as_alpha, user_ids):
    from tests.support.custom import make_field

    admin, member = as_alpha["admin"], as_alpha["member"]
    secret_field = f"margin_{uuid.uuid4().hex[:6]}"
    await make_field(servers.http_a, admin, "Customer", apiName=secret_field, type="TEXT")
    hidden = await gql(
        servers.http_a,
        "mutation($i: SetFieldAccessInput!) { setFieldAccess(input: $i) { field } }",
        {
            "i": {
                "object": "Customer",
                "field": f"customFields.{secret_field}",
                "role": "MEMBER",
                "access": "HIDDEN",
            }
        },
        token=admin,
    )
    assert hidden.data
    async with live(servers.b, member) as client:
        op = await client.subscribe(CUSTOMER_CHANGES)
        # The manager's customer is not the member's to see: its events never reach them.
        await make_customer(
            servers.http_a, admin, name=unique("NotYours"), ownerId=user_ids["manager"]
        )
        mine = await make_customer(
            servers.http_a, admin, name=unique("Yours"), ownerId=user_ids["member"]
        )
        created = (await client.next(op))["recordChanged"]
        assert created["id"] == mine["id"] and created["action"] == "created"
        # A change of the hidden field alone is not told; with another field, only the other one is
        # named, and the record comes without the hidden value.
        await update_customer(servers.http_a, admin, mine, customFields={secret_field: "42%"})
        await update_customer(
            servers.http_a, admin, mine, tier="silver", customFields={secret_field: "43%"}
        )
        updated = (await client.next(op))["recordChanged"]
        assert updated["action"] == "updated" and updated["fields"] == ["tier"]
        assert (
            updated["record"]["tier"] == "silver"
            and secret_field not in updated["record"]["customFields"]
        )
        # Given to the manager, the record leaves the member's sight, checked when each event is
        # sent: that change and the later ones are not told; a change of another of theirs is.
        sentinel = await make_customer(
            servers.http_a, admin, name=unique("Sentinel"), ownerId=user_ids["member"]
        )
        assert (await client.next(op))["recordChanged"]["id"] == sentinel["id"]
        await update_customer(servers.http_a, admin, mine, ownerId=user_ids["manager"])
        await update_customer(servers.http_a, admin, mine, tier="gold")
        await update_customer(servers.http_a, admin, sentinel, tier="gold")
        after = (await client.next(op))["recordChanged"]
        assert (after["id"], after["fields"]) == (sentinel["id"], ["tier"])


REVOKE = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { revokedAt } }"
FORBIDDEN_CLOSE = 4403


async def test_connection_init_needs_a_valid_token(servers, as_alpha):
    for payload in ({}, {"authorization": "Bearer not-a-token"}, {"authorization": "Basic abc"}):
        async with live(servers.a, None, payload=payload, expect_ack=False) as client:
            assert (await client.close_code())[0] == FORBIDDEN_CLOSE, payload
    # The token may also come as {"token": ...}, as some clients send it.
    async with live(servers.a, None, payload={"token": as_alpha["viewer"]}) as client:
        op = await client.subscribe("subscription { notificationAdded { id } }")
        await client.complete(op)


async def test_api_tokens_subscribe_within_their_scopes_and_stop_when_revoked(servers, as_alpha):
    from tests.support.graphql import create_token

    admin = as_alpha["admin"]
    narrow = await create_token(servers.http_a, admin, ["admin:read"], name=unique("live-narrow"))
    async with live(servers.b, narrow["secret"]) as client:
        refused = await client.message(await client.subscribe(CUSTOMER_CHANGES))
        assert refused["type"] == "error" or refused["payload"]["errors"], refused
        errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"

    crm = await create_token(servers.http_a, admin, ["crm:read"], name=unique("live-crm"))
    async with live(servers.b, crm["secret"]) as client:
        op = await client.subscribe(CUSTOMER_CHANGES)
        customer = await make_customer(servers.http_a, admin, name=unique("ForToken"))
        assert (await client.next(op))["recordChanged"]["id"] == customer["id"]
        await gql(servers.http_a, REVOKE, {"id": crm["apiToken"]["id"]}, token=admin)
        code, reason = await client.close_code()  # at the next check, or the next event
        assert code == FORBIDDEN_CLOSE and "no longer valid" in reason


async def test_a_session_ends_its_connections_at_logout_and_at_expiry(servers, tenants, settings):
    from dataclasses import replace

    from domain.identity.access_tokens import decode_access_token, issue_access_token
    from tessera.wiring import token_config
    from tests.support.graphql import login

    info = tenants["alpha"]
    session = await login(servers.http_a, "alpha", info.email("agent"), info.password)
    async with live(servers.b, session["accessToken"]) as client:
        await client.subscribe("subscription { notificationAdded { id } }")
        assert (
            await gql(servers.http_a, "mutation { logout }", token=session["accessToken"])
        ).data["logout"]
        code, reason = await client.close_code()
        assert code == FORBIDDEN_CLOSE and "no longer valid" in reason

    # The same session's access token, reissued to expire in a few seconds: the connection closes
    # when it expires, whatever happens on it meanwhile.
    session = await login(servers.http_a, "alpha", info.email("agent"), info.password)
    config = token_config(settings)
    claims = decode_access_token(config, session["accessToken"])
    short, _ = issue_access_token(
        replace(config, access_ttl_seconds=8),
        user_id=claims.user_id,
        tenant_id=claims.tenant_id,
        role=claims.role,
        session_id=claims.session_id,
    )
    async with live(servers.b, short) as client:
        await client.subscribe("subscription { notificationAdded { id } }")
        code, reason = await client.close_code()
        assert code == FORBIDDEN_CLOSE and "expired" in reason


async def test_a_client_that_answers_no_ping_is_closed(servers, as_alpha):
    async with live(servers.a, as_alpha["viewer"], answer_pings=False) as silent:
        code, reason = await silent.close_code()
    assert code == 4408 and "pong" in reason
    assert silent.pings >= 1


async def test_limits_per_connection_and_per_tenant(servers, tenants, as_alpha):
    from tests.support import cli
    from tests.support.graphql import login

    slug = f"live{uuid.uuid4().hex[:6]}"
    cli.ok(
        await cli.arun(
            "tenant",
            "create",
            slug,
            "--name",
            "Live",
            "--admin-email",
            f"admin@{slug}.test",
            "--admin-password",
            tenants["alpha"].password,
        )
    )
    token = (await login(servers.http_a, slug, f"admin@{slug}.test", tenants["alpha"].password))[
        "accessToken"
    ]
    query = "subscription { notificationAdded { id } }"
    per_connection, per_tenant = (
        int(SERVER_ENV["SUBSCRIPTIONS_PER_CONNECTION"]),
        int(SERVER_ENV["SUBSCRIPTIONS_PER_TENANT"]),
    )
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(live(servers.a, token))
        for _ in range(per_connection):
            await first.subscribe(query)
        over = await first.message(await first.subscribe(query))
        assert (
            over["type"] == "error"
            and over["payload"][0]["message"] == "Subscription limit reached"
        )
        opened = per_connection
        while opened < per_tenant:  # the tenant's other slots in process A, over more connections
            more = await stack.enter_async_context(live(servers.a, token))
            for _ in range(min(per_connection, per_tenant - opened)):
                await more.subscribe(query)
                opened += 1
        await open_subscriptions(servers.http_a, per_tenant)
        extra = await stack.enter_async_context(live(servers.a, token))
        refused = await extra.message(await extra.subscribe(query))
        assert refused["type"] == "error", refused
        assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        # Another tenant in process A, and the same tenant in process B, are not held back.
        other = await stack.enter_async_context(live(servers.a, as_alpha["viewer"]))
        await other.subscribe(query)
        await open_subscriptions(servers.http_a, per_tenant + 1)
        elsewhere = await stack.enter_async_context(live(servers.b, token))
        await elsewhere.subscribe(query)
        await open_subscriptions(servers.http_b, 1)


GATES: dict[str, asyncio.Event] = {}


async def steps(job) -> dict:
    """Three units, one batch each; after the first it waits for the test to let it go on."""
    for unit in range(1, 4):
        async with job.batch():
            await job.progress(unit, 3)
        if unit == 1:
            await asyncio.wait_for(GATES[str(job.id)].wait(), 60)
    return {"steps": 3}


register_job_kind("tests.live_steps", steps)

JOB_PROGRESS = "subscription($id: ID!) { jobProgress(id: $id) { id status progressDone progressTotal result createdBy { email } } }"


async def test_job_progress_follows_a_job_run_by_the_worker_to_its_end(
    servers, tenants, as_alpha, as_beta
):
    from strawberry import relay

    from tests.support.jobs import start_as
    from workers.jobs import execute_job

    alpha = tenants["alpha"].id
    job_id = await start_as(alpha, "member@alpha.test", "tests.live_steps", {})
    global_id = str(relay.GlobalID("Job", str(job_id)))
    GATES[str(job_id)] = asyncio.Event()
    async with (
        live(servers.b, as_alpha["member"]) as member,
        live(servers.a, as_alpha["agent"]) as agent,
        live(servers.a, as_beta["admin"]) as stranger,
    ):
        # Another member's job, or another tenant's, is not theirs to follow.
        for client in (agent, stranger):
            refused = await client.message(await client.subscribe(JOB_PROGRESS, {"id": global_id}))
            assert (
                refused["type"] == "error"
                and refused["payload"][0]["extensions"]["code"] == "NOT_FOUND"
            )
        op = await member.subscribe(JOB_PROGRESS, {"id": global_id})
        first = (await member.next(op))["jobProgress"]
        assert (first["id"], first["status"], first["progressDone"]) == (global_id, "QUEUED", 0)
        assert first["createdBy"]["email"] == "member@alpha.test"
        run = asyncio.create_task(
            execute_job(alpha, str(job_id))
        )  # the worker's actor, in this process
        try:
            seen = (await member.next(op))["jobProgress"]
            for _ in range(10):  # RUNNING at 0 may be read first; the job waits at 1 of 3
                if seen["progressDone"] == 1:
                    break
                seen = (await member.next(op))["jobProgress"]
            assert (seen["status"], seen["progressDone"], seen["progressTotal"]) == (
                "RUNNING",
                1,
                3,
            )
            GATES[str(job_id)].set()
            last = seen
            for _ in range(10):  # then 3 of 3 and SUCCEEDED, in one or more steps, and the end
                message = await member.message(op)
                if message["type"] == "complete":
                    break
                last = message["payload"]["data"]["jobProgress"]
            assert message["type"] == "complete"
            assert (last["status"], last["progressDone"], last["result"]) == (
                "SUCCEEDED",
                3,
                {"steps": 3},
            )
        finally:
            GATES[str(job_id)].set()
            assert await run == "SUCCEEDED"


async def metric(http: httpx.AsyncClient, name: str) -> float:
    for line in (await http.get("/metrics")).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


async def test_a_slow_consumer_is_dropped_and_the_others_carry_on(servers, as_alpha):
    from tests.support.custom import make_field
    from tests.support.live import Stalled

    admin = as_alpha["admin"]
    blob = f"blob_{uuid.uuid4().hex[:6]}"
    await make_field(servers.http_a, admin, "Customer", apiName=blob, type="JSON")
    # Every event carries about 180 kB to each subscriber (the record twelve times over): the slow
    # one's buffers fill after a few.
    customer = await make_customer(
        servers.http_a, admin, name=unique("Heavy"), customFields={blob: {"pad": "x" * 15_000}}
    )
    copies = " ".join(f"r{i}: record {{ ... on Customer {{ customFields }} }}" for i in range(12))
    query = (
        'subscription($ids: [ID!]) { recordChanged(object: "Customer", ids: $ids) '
        f"{{ id fields {copies} }} }}"
    )
    dropped_before = await metric(servers.http_b, "tessera_live_subscribers_dropped_total")
    slow = await asyncio.to_thread(Stalled, servers.b, admin, query, {"ids": [customer["id"]]})
    try:
        async with live(servers.b, admin) as fast:
            fast_op = await fast.subscribe(query, {"ids": [customer["id"]]})
            await open_subscriptions(servers.http_b, 2)
            for attempt in range(200):  # bounded: a few MB of buffers fill long before
                await update_customer(servers.http_a, admin, customer, tier=f"t{attempt}")
                change = (await fast.next(fast_op))["recordChanged"]
                if change["fields"] != [
                    "tier"
                ]:  # the customer's creation, announced after we subscribed
                    change = (await fast.next(fast_op))["recordChanged"]
                assert (
                    change["fields"] == ["tier"]
                    and len(change["r11"]["customFields"][blob]["pad"]) == 15_000
                )
                if (
                    await metric(servers.http_b, "tessera_live_subscribers_dropped_total")
                    > dropped_before
                ):
                    break
            else:
                raise AssertionError("the slow consumer was never dropped")
            # The fast subscriber carries on, alone now; the slow one's connection is closed.
            await update_customer(servers.http_a, admin, customer, tier="after")
            assert (await fast.next(fast_op))["recordChanged"]["fields"] == ["tier"]
            await open_subscriptions(servers.http_b, 1)
            await asyncio.to_thread(slow.read_to_the_end)
    finally:
        slow.close()
