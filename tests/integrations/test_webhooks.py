"""Outgoing webhooks end to end: events fan out to endpoints, deliveries are signed (checked with the
`standardwebhooks` package), retried on the standard schedule (the scheduler's pass, with the clock
moved forward), honour Retry-After, stop on 410, disable after 5 days of failures, rotate secrets
with an overlap, can be tested and resent, never reach private addresses, and stay in their tenant."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import asyncpg
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from strawberry.relay import GlobalID

from tests.support.automation import deliver
from tests.support.graphql import gql
from tests.support.receiver import Receiver

CREATE = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id version enabled } } }"
DELIVERIES = (
    "query($e: ID) { webhookDeliveries(endpointId: $e) { edges { node { id status eventType attemptCount lastError "
    "nextAttemptAt webhookId payload attempts { statusCode error responseMs } } } } }"
)
ENDPOINTS = "{ webhookEndpoints { id enabled disabledReason } }"
LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id version } }"


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
async def endpoint(client, as_alpha, receiver):
    """An endpoint of alpha's for new leads, pointing at the receiver; deleted afterwards."""
    await deliver()  # events other tests left pending go out before it exists
    made = (
        await gql(
            client,
            CREATE,
            {"i": {"url": receiver.url, "eventTypes": ["Lead.created"]}},
            token=as_alpha["admin"],
        )
    ).data
    yield made["createWebhookEndpoint"]
    await gql(
        client,
        "mutation($i: WebhookEndpointRefInput!) { deleteWebhookEndpoint(input: $i) { id } }",
        {"i": {"id": made["createWebhookEndpoint"]["endpoint"]["id"]}},
        token=as_alpha["admin"],
    )


async def sweep(ahead: timedelta = timedelta(0)) -> int:
    """The scheduler's pass at now + `ahead`: due deliveries are sent."""
    from workers.scheduler import schedule_once

    return await schedule_once(datetime.now(timezone.utc) + ahead)


async def _deliveries(client, token, endpoint_id):
    return (await gql(client, DELIVERIES, {"e": endpoint_id}, token=token)).nodes(
        "webhookDeliveries"
    )


async def _new_lead(client, token, name="Wh"):
    return (
        await gql(
            client, LEAD, {"input": {"personName": f"{name} {uuid.uuid4().hex[:6]}"}}, token=token
        )
    ).data["createLead"]


def _verify(secret: str, received) -> dict:
    return Webhook(secret).verify(received.body, received.headers)


async def test_an_event_is_delivered_once_signed_with_the_record(
    client, as_alpha, receiver, endpoint
):
    from workers.events import deliver_event

    admin = as_alpha["admin"]
    lead = await _new_lead(client, admin, "Signed")
    await gql(
        client,
        "mutation($i: UpdateLeadInput!) { updateLead(input: $i) { id } }",
        {"i": {"id": lead["id"], "version": lead["version"], "score": 3}},
        token=admin,
    )  # Lead.updated: not wanted
    seen: list = []
    await deliver(seen)
    for event in seen:  # every event delivered a second time: still one delivery each
        await deliver_event(str(event.tenant_id), str(event.id))
    await sweep()
    [received] = receiver.received
    payload = _verify(endpoint["secret"], received)
    assert payload["type"] == "Lead.created" and payload["data"]["record"]["personName"].startswith(
        "Signed"
    )
    [delivery] = await _deliveries(client, admin, endpoint["endpoint"]["id"])
    assert (
        delivery["status"] == "SUCCEEDED"
        and received.headers["webhook-id"] == delivery["webhookId"]
    )
    assert [a["statusCode"] for a in delivery["attempts"]] == [200]
    assert await sweep() == 0  # nothing left to send


async def test_failures_are_retried_on_the_schedule_with_the_same_id(
    client, as_alpha, receiver, endpoint
):
    admin = as_alpha["admin"]
    receiver.answers = [(500, {}), (500, {}), (200, {})]
    await _new_lead(client, admin)
    await deliver()
    await sweep()
    [delivery] = await _deliveries(client, admin, endpoint["endpoint"]["id"])
    assert (delivery["status"], delivery["attemptCount"], delivery["lastError"]) == (
        "PENDING",
        1,
        "answered 500",
    )
    wait = datetime.fromisoformat(delivery["nextAttemptAt"]) - datetime.now(timezone.utc)
    assert timedelta(seconds=3) < wait < timedelta(seconds=6)  # 5 s, with jitter
    await sweep(timedelta(seconds=1))
    assert len(receiver.received) == 1  # not due yet
    await sweep(timedelta(seconds=10))
    [delivery] = await _deliveries(client, admin, endpoint["endpoint"]["id"])
    wait = datetime.fromisoformat(delivery["nextAttemptAt"]) - datetime.now(timezone.utc)
    assert timedelta(minutes=4) < wait < timedelta(minutes=6)  # then 5 minutes
    await sweep(timedelta(minutes=10))
    [delivery] = await _deliveries(client, admin, endpoint["endpoint"]["id"])
    assert delivery["status"] == "SUCCEEDED" and [
        a["statusCode"] for a in delivery["attempts"]
    ] == [500, 500, 200]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


async def test_retry_after_is_honoured_and_timeouts_count_as_failures(
    client, as_alpha, receiver, endpoint
):
    from domain.outbound.config import configure_outbound, outbound_config

    admin = as_alpha["admin"]
    receiver.answers = [(503, {"Retry-After": "3600"})]
    await _new_lead(client, admin)
    await deliver()
    await sweep()
    [delivery] = await _deliveries(client, admin, endpoint["endpoint"]["id"])
    wait = datetime.fromisoformat(delivery["nextAttemptAt"]) - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < wait <= timedelta(hours=1)
    before = outbound_config()
    configure_outbound(replace(before, timeout_seconds=0.3))
    receiver.delay_seconds = 1.5
    try:
        await sweep(timedelta(hours=2))
    finally:
        configure_outbound(before)
    [delivery] = await _deliveries(client, admin, endpoint["endpoint"]["id"])
    assert delivery["attemptCount"] == 2 and "Timeout" in delivery["attempts"][1]["error"]


async def test_410_gone_disables_the_endpoint(client, as_alpha, receiver, endpoint):
    admin = as_alpha["admin"]
    receiver.answers = [(410, {})]
    await _new_lead(client, admin)
    await deliver()
    await sweep()
    [delivery] = await _deliveries(client, admin, endpoint["endpoint"]["id"])
    assert delivery["status"] == "FAILED" and "410" in delivery["lastError"]
    mine = next(
        e
        for e in (await gql(client, ENDPOINTS, token=admin)).data["webhookEndpoints"]
        if e["id"] == endpoint["endpoint"]["id"]
    )
    assert mine["enabled"] is False and "410" in mine["disabledReason"]
    await _new_lead(client, admin)
    await deliver()
    assert (
        len(await _deliveries(client, admin, endpoint["endpoint"]["id"])) == 1
    )  # nothing more for it


async def test_an_endpoint_failing_for_5_days_is_disabled_and_the_admins_told(
    client, as_alpha, receiver, endpoint
):
    admin = as_alpha["admin"]
    receiver.answers = [(500, {})]
    await _new_lead(client, admin)
    await deliver()
    for day in range(7):
        await sweep(timedelta(days=day, minutes=1))
    [delivery] = await _deliveries(client, admin, endpoint["endpoint"]["id"])
    assert delivery["status"] == "FAILED" and delivery["attemptCount"] < 10
    mine = next(
        e
        for e in (await gql(client, ENDPOINTS, token=admin)).data["webhookEndpoints"]
        if e["id"] == endpoint["endpoint"]["id"]
    )
    assert mine["enabled"] is False and "5 days" in mine["disabledReason"]
    notes = (
        await gql(
            client, "{ notifications(first: 100) { edges { node { title body } } } }", token=admin
        )
    ).nodes("notifications")
    assert any(
        n["title"] == "A webhook endpoint was disabled" and receiver.url in n["body"] for n in notes
    )


async def test_a_rotated_secret_keeps_the_old_one_signing_through_the_overlap(
    client, as_alpha, receiver, endpoint
):
    admin = as_alpha["admin"]
    rotated = await gql(
        client,
        "mutation($i: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $i) { secret } }",
        {"i": {"id": endpoint["endpoint"]["id"], "overlapHours": 24}},
        token=admin,
    )
    new_secret = rotated.data["rotateWebhookSecret"]["secret"]
    assert new_secret != endpoint["secret"]
    await _new_lead(client, admin)
    await deliver()
    await sweep()
    during = receiver.received[-1]
    assert len(during.headers["webhook-signature"].split()) == 2
    _verify(endpoint["secret"], during)  # the old secret still verifies
    _verify(new_secret, during)
    await _new_lead(client, admin)
    await deliver()
    await sweep(timedelta(hours=25))  # after the overlap
    after = receiver.received[-1]
    _verify(new_secret, after)
    with pytest.raises(WebhookVerificationError):
        _verify(endpoint["secret"], after)


async def test_a_test_event_and_a_resend_are_sent_at_once(client, as_alpha, receiver, endpoint):
    admin = as_alpha["admin"]
    tested = await gql(
        client,
        "mutation($i: WebhookEndpointRefInput!) { sendTestWebhook(input: $i) { id status webhookId eventType "
        "attempts { statusCode } } }",
        {"i": {"id": endpoint["endpoint"]["id"]}},
        token=admin,
    )
    delivery = tested.data["sendTestWebhook"]
    assert (delivery["status"], delivery["eventType"], delivery["attempts"]) == (
        "SUCCEEDED",
        "webhook.test",
        [{"statusCode": 200}],
    )
    assert _verify(endpoint["secret"], receiver.received[0])["type"] == "webhook.test"
    again = await gql(
        client,
        "mutation($i: WebhookDeliveryRefInput!) { resendWebhookDelivery(input: $i) { status webhookId payload } }",
        {"i": {"id": delivery["id"]}},
        token=admin,
    )
    resent = again.data["resendWebhookDelivery"]
    assert resent["status"] == "SUCCEEDED" and resent["webhookId"] != delivery["webhookId"]
    assert _verify(endpoint["secret"], receiver.received[1]) == _verify(
        endpoint["secret"], receiver.received[0]
    )


async def test_deliveries_never_reach_private_addresses(client, as_alpha):
    from domain.outbound.config import configure_outbound, outbound_config, parse_networks

    admin = as_alpha["admin"]
    test = "mutation($i: WebhookEndpointRefInput!) { sendTestWebhook(input: $i) { status attempts { error } } }"
    redirector = Receiver(answers=[(307, {"location": "http://10.1.2.3/steal"})])
    before = outbound_config()
    # Given endpoints saved while the operator allowed private networks (saving checks addresses too)...
    configure_outbound(
        replace(before, allowed_networks=parse_networks("127.0.0.1/32, 10.0.0.0/8, 169.254.0.0/16"))
    )
    try:
        made = [
            (
                await gql(
                    client, CREATE, {"i": {"url": url, "eventTypes": ["webhook.test"]}}, token=admin
                )
            ).data["createWebhookEndpoint"]
            for url in ("http://10.1.2.3/hook", "http://169.254.169.254/latest", redirector.url)
        ]
    finally:
        configure_outbound(before)
    try:
        # ...which allows only the tests' 127.0.0.1 now: each send is refused, and the log says so
        for endpoint in made:
            tested = await gql(client, test, {"i": {"id": endpoint["endpoint"]["id"]}}, token=admin)
            assert tested.data["sendTestWebhook"]["attempts"][0]["error"].startswith("refused: "), (
                tested.body
            )
        assert len(redirector.received) == 1
        # Without the tests' allowance for 127.0.0.1, a DNS name for loopback is refused too.
        port = redirector.url.split(":")[2].split("/")[0]
        by_name = (
            await gql(
                client,
                CREATE,
                {"i": {"url": f"http://localhost:{port}/hook", "eventTypes": ["webhook.test"]}},
                token=admin,
            )
        ).data["createWebhookEndpoint"]
        made.append(by_name)
        configure_outbound(replace(before, allowed_networks=()))
        try:
            tested = await gql(client, test, {"i": {"id": by_name["endpoint"]["id"]}}, token=admin)
            assert tested.data["sendTestWebhook"]["attempts"][0]["error"].startswith(
                "refused: localhost is loopback address 127.0.0.1"
            )
            assert len(redirector.received) == 1
        finally:
            configure_outbound(before)
        bad = await gql(
            client,
            CREATE,
            {"i": {"url": "file:///etc/passwd", "eventTypes": ["Lead.nope.x", "Lead"]}},
            token=admin,
        )
        assert {e["field"]: e["code"] for e in bad.errors[0]["extensions"]["fieldErrors"]} == {
            "url": "INVALID_URL",
            "eventTypes.1": "INVALID_EVENT_TYPE",
        }
    finally:
        redirector.close()
        for endpoint in made:
            await gql(
                client,
                "mutation($i: WebhookEndpointRefInput!) { deleteWebhookEndpoint(input: $i) { id } }",
                {"i": {"id": endpoint["endpoint"]["id"]}},
                token=admin,
            )


async def test_endpoints_and_deliveries_stay_in_their_tenant(
    client, as_alpha, as_beta, tenants, app_db, receiver, endpoint
):
    beta = as_beta["admin"]
    await sweep()  # anything other tests left due
    await _new_lead(client, beta, "Beta's")  # beta's events never reach alpha's endpoint
    await _new_lead(client, as_alpha["admin"], "Alpha's")
    await deliver()
    await sweep()
    assert [
        _verify(endpoint["secret"], r)["data"]["record"]["personName"][:7]
        for r in receiver.received
    ] == ["Alpha's"]
    endpoint_id = endpoint["endpoint"]["id"]
    assert endpoint_id not in [
        e["id"] for e in (await gql(client, ENDPOINTS, token=beta)).data["webhookEndpoints"]
    ]
    assert await _deliveries(client, beta, endpoint_id) == []
    for mutation in (
        "sendTestWebhook(input: {id: $id}) { id }",
        "rotateWebhookSecret(input: {id: $id}) { secret }",
        "deleteWebhookEndpoint(input: {id: $id}) { id }",
    ):
        assert (
            await gql(
                client, f"mutation($id: ID!) {{ {mutation} }}", {"id": endpoint_id}, token=beta
            )
        ).codes == ["NOT_FOUND"]
    assert (await gql(client, ENDPOINTS, token=as_alpha["manager"])).codes == ["FORBIDDEN"]
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert (
            await app_db.fetch(
                "SELECT id FROM webhook_delivery WHERE tenant_id = $1",
                uuid.UUID(tenants["alpha"].id),
            )
            == []
        )
        assert (
            await app_db.fetch(
                "SELECT id FROM webhook_endpoint WHERE tenant_id = $1",
                uuid.UUID(tenants["alpha"].id),
            )
            == []
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            await app_db.execute("UPDATE webhook_endpoint SET url = 'http://evil' WHERE true")
            await app_db.execute(
                "INSERT INTO webhook_endpoint (tenant_id, id, url, event_types) VALUES ($1, $2, 'http://x/y', '{*}')",
                uuid.UUID(tenants["alpha"].id),
                uuid.uuid4(),
            )


async def test_an_endpoint_is_disabled_and_enabled_against_its_version(
    client, as_alpha, as_beta, receiver, endpoint
):
    admin = as_alpha["admin"]
    update = "mutation($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { version enabled disabledReason } }"
    endpoint_id, version = endpoint["endpoint"]["id"], endpoint["endpoint"]["version"]
    bad = await gql(
        client,
        update,
        {"i": {"id": endpoint_id, "version": version, "eventTypes": [], "url": "gopher://x"}},
        token=admin,
    )
    assert {e["field"] for e in bad.errors[0]["extensions"]["fieldErrors"]} == {"eventTypes", "url"}
    assert (
        await gql(
            client,
            update,
            {"i": {"id": endpoint_id, "version": version, "enabled": False}},
            token=as_beta["admin"],
        )
    ).codes == ["NOT_FOUND"]
    off = (
        await gql(
            client,
            update,
            {"i": {"id": endpoint_id, "version": version, "enabled": False}},
            token=admin,
        )
    ).data["updateWebhookEndpoint"]
    assert (off["enabled"], off["version"]) == (False, version + 1)
    assert (
        await gql(
            client,
            update,
            {"i": {"id": endpoint_id, "version": version, "enabled": True}},
            token=admin,
        )
    ).codes == ["CONFLICT"]
    await _new_lead(client, admin, "While off")
    await deliver()
    await sweep()
    assert receiver.received == [] and await _deliveries(client, admin, endpoint_id) == []
    on = (
        await gql(
            client,
            update,
            {"i": {"id": endpoint_id, "version": off["version"], "enabled": True}},
            token=admin,
        )
    ).data
    assert on["updateWebhookEndpoint"]["enabled"] is True
    await _new_lead(client, admin, "While on")
    await deliver()
    await sweep()
    assert [
        _verify(endpoint["secret"], r)["data"]["record"]["personName"][:8]
        for r in receiver.received
    ] == ["While on"]


async def test_a_url_httpx_cannot_read_is_refused_when_saved_and_when_sent(
    client, as_alpha, owner_db
):
    admin = as_alpha["admin"]
    refused = await gql(
        client,
        CREATE,
        {"i": {"url": "http://0177.0.0.1/hook", "eventTypes": ["webhook.test"]}},
        token=admin,
    )
    assert {e["field"]: e["code"] for e in refused.errors[0]["extensions"]["fieldErrors"]} == {
        "url": "INVALID_URL"
    }
    # Saved before URLs were read this way, or sent a redirect to one: refused as it is sent.
    redirector = Receiver(answers=[(307, {"location": "http://0177.0.0.1/steal"})])
    made = [
        (
            await gql(
                client,
                CREATE,
                {"i": {"url": redirector.url, "eventTypes": ["webhook.test"]}},
                token=admin,
            )
        ).data["createWebhookEndpoint"]["endpoint"]["id"]
        for _ in range(2)
    ]
    await owner_db.execute(
        "UPDATE webhook_endpoint SET url = 'http://0177.0.0.1/hook' WHERE id = $1",
        uuid.UUID(GlobalID.from_id(made[0]).node_id),
    )
    try:
        for endpoint_id in made:
            tested = await gql(
                client,
                "mutation($i: WebhookEndpointRefInput!) { sendTestWebhook(input: $i) { status attempts { error } } }",
                {"i": {"id": endpoint_id}},
                token=admin,
            )
            assert (
                "Invalid IPv4 address: '0177.0.0.1'"
                in tested.data["sendTestWebhook"]["attempts"][0]["error"]
            ), tested.body
        assert len(redirector.received) == 1
    finally:
        redirector.close()
        for endpoint_id in made:
            await gql(
                client,
                "mutation($i: WebhookEndpointRefInput!) { deleteWebhookEndpoint(input: $i) { id } }",
                {"i": {"id": endpoint_id}},
                token=admin,
            )
