"""Inbound webhooks and web forms through the public routes and GraphQL, processed by the worker's
code: signatures checked with an independent signer (`standardwebhooks`), replays accepted once,
mapping errors logged without losing the payload, upserts by external id, the webhook trigger,
form rate limits and honeypots, and isolation between tenants."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import datetime, timezone

import asyncpg
import pytest
from standardwebhooks import Webhook

from tests.support.automation import deliver, disable, make_rule
from tests.support.graphql import gql

CREATE = (
    "mutation($i: CreateInboundEndpointInput!) { createInboundEndpoint(input: $i) { secret endpoint { id path version "
    "kind verification } } }"
)
REQUESTS = "query($e: ID) { inboundRequests(endpointId: $e) { edges { node { id status error body recordType recordId } } } }"
LEAD = "query($id: ID!) { node(id: $id) { ... on Lead { personName email region sourceChannel campaign { name } tags } } }"


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


async def _endpoint(client, token, **fields):
    response = await gql(client, CREATE, {"i": fields}, token=token)
    assert response.data, response.errors
    return response.data["createInboundEndpoint"]


def _signed(
    secret: str, payload: dict, message_id: str | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    now = datetime.now(timezone.utc)
    signature = Webhook(secret).sign(message_id, now, body.decode())
    return body, {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def _requests(client, token, endpoint_id):
    return (await gql(client, REQUESTS, {"e": endpoint_id}, token=token)).nodes("inboundRequests")


SHOP_MAPPING = {
    "fields": {
        "personName": "$.customer.name",
        "email": "$.customer.emails[0]",
        "region": "$.region",
    },
    "constants": {"sourceChannel": "OTHER"},
    "externalId": {"system": "shop", "path": "$.id"},
}


async def test_a_signed_webhook_creates_then_updates_a_lead_by_external_id_and_replays_count_once(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    made = await _endpoint(
        client,
        admin,
        name=f"Shop {marker}",
        kind="WEBHOOK",
        object="Lead",
        verification="STANDARD",
        mapping=SHOP_MAPPING,
    )
    endpoint, secret = made["endpoint"], made["secret"]
    assert secret.startswith("whsec_") and endpoint["path"].startswith("/hooks/in_")
    payload = {
        "id": f"o-{marker}",
        "customer": {"name": "Ada", "emails": [f"ada.{marker}@example.com"]},
        "region": marker,
    }
    body, headers = _signed(secret, payload, "msg_first")
    first = await client.post(endpoint["path"], content=body, headers=headers)
    assert first.status_code == 202 and first.json()["status"] == "received"
    again = await client.post(
        endpoint["path"], content=body, headers=headers
    )  # the sender retries: a replay
    assert again.status_code == 200 and again.json()["status"] == "already received"
    [request] = await _requests(client, admin, endpoint["id"])
    assert request["status"] == "ACCEPTED"  # acknowledged; a worker processes it
    await deliver()
    [request] = await _requests(client, admin, endpoint["id"])
    assert (request["status"], request["recordType"]) == ("PROCESSED", "Lead")
    lead = (await gql(client, LEAD, {"id": request["recordId"]}, token=admin)).data["node"]
    assert (lead["personName"], lead["email"], lead["region"], lead["sourceChannel"]) == (
        "Ada",
        f"ada.{marker}@example.com",
        marker,
        "OTHER",
    )
    # The same order again, changed: the same lead is updated, not duplicated.
    body, headers = _signed(secret, {**payload, "customer": {"name": "Ada L."}})
    assert (await client.post(endpoint["path"], content=body, headers=headers)).status_code == 202
    await deliver()
    latest = (await _requests(client, admin, endpoint["id"]))[0]
    assert latest["status"] == "PROCESSED" and latest["recordId"] == request["recordId"]
    assert (await gql(client, LEAD, {"id": request["recordId"]}, token=admin)).data["node"][
        "personName"
    ] == "Ada L."


async def test_bad_signatures_and_stale_timestamps_are_refused_and_logged(client, as_alpha, marker):
    admin = as_alpha["admin"]
    made = await _endpoint(
        client,
        admin,
        name=f"Strict {marker}",
        kind="WEBHOOK",
        object="Lead",
        verification="STANDARD",
        mapping=SHOP_MAPPING,
    )
    path, secret = made["endpoint"]["path"], made["secret"]
    body, headers = _signed(secret, {"id": "1"})
    forged = await client.post(
        path, content=body, headers={**headers, "webhook-signature": "v1,Zm9yZ2Vk"}
    )
    assert forged.status_code == 401
    tampered = await client.post(path, content=body.replace(b"1", b"2"), headers=headers)
    assert tampered.status_code == 401
    old = datetime.fromtimestamp(time.time() - 3600, timezone.utc)
    stale_headers = {
        **headers,
        "webhook-timestamp": str(int(old.timestamp())),
        "webhook-signature": Webhook(secret).sign(headers["webhook-id"], old, body.decode()),
    }
    assert (await client.post(path, content=body, headers=stale_headers)).status_code == 400
    other = _signed("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY", {"id": "1"})
    assert (await client.post(path, content=other[0], headers=other[1])).status_code == 401
    assert (
        await client.post(path.replace("in_", "in_x"), content=body, headers=headers)
    ).status_code == 404
    logged = await _requests(client, admin, made["endpoint"]["id"])
    assert [r["status"] for r in logged] == ["REJECTED"] * 4
    assert "signature does not match" in logged[-1]["error"] and "5 minutes" in logged[1]["error"]


async def test_hmac_endpoints_take_the_signature_in_their_header(client, as_alpha, marker):
    admin = as_alpha["admin"]
    made = await _endpoint(
        client,
        admin,
        name=f"ERP {marker}",
        kind="WEBHOOK",
        object="Customer",
        verification="HMAC",
        signatureHeader="X-ERP-Signature",
        mapping={"fields": {"name": "$.name"}, "externalId": {"system": "erp", "path": "$.no"}},
    )
    body = json.dumps({"no": f"C-{marker}", "name": f"ERP customer {marker}"}).encode()
    digest = hmac.new(made["secret"].encode(), body, hashlib.sha256).hexdigest()
    ok = await client.post(
        made["endpoint"]["path"], content=body, headers={"x-erp-signature": f"sha256={digest}"}
    )
    assert ok.status_code == 202
    assert (
        await client.post(
            made["endpoint"]["path"], content=body, headers={"x-erp-signature": "sha256=00"}
        )
    ).status_code == 401
    await deliver()
    [processed, rejected] = (await _requests(client, admin, made["endpoint"]["id"]))[
        ::-1
    ]  # oldest first
    assert processed["status"] == "PROCESSED" and rejected["status"] == "REJECTED"
    customer = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Customer { name externalIds { system id } } } }",
        {"id": processed["recordId"]},
        token=admin,
    )
    assert customer.data["node"] == {
        "name": f"ERP customer {marker}",
        "externalIds": [{"system": "erp", "id": f"C-{marker}"}],
    }


async def test_a_mapping_error_keeps_the_payload_and_the_request_can_be_processed_again(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    made = await _endpoint(
        client,
        admin,
        name=f"Broken {marker}",
        kind="WEBHOOK",
        object="Lead",
        verification="STANDARD",
        mapping={"fields": {"email": "$.mail", "personName": "$.name"}},
    )
    body, headers = _signed(
        made["secret"], {"mail": "not an email", "name": f"Bo {marker}"}
    )  # a bad value only a payload can bring
    assert (
        await client.post(made["endpoint"]["path"], content=body, headers=headers)
    ).status_code == 202
    await deliver()
    [failed] = await _requests(client, admin, made["endpoint"]["id"])
    assert (
        failed["status"] == "FAILED"
        and "email" in failed["error"]
        and json.loads(failed["body"])["mail"] == "not an email"
    )
    fixed = await gql(
        client,
        "mutation($i: UpdateInboundEndpointInput!) { updateInboundEndpoint(input: $i) { version } }",
        {
            "i": {
                "id": made["endpoint"]["id"],
                "version": made["endpoint"]["version"],
                "mapping": {"fields": {"personName": "$.name"}},
            }
        },
        token=admin,
    )
    assert fixed.data
    again = await gql(
        client,
        "mutation($i: InboundRequestRefInput!) { reprocessInboundRequest(input: $i) { status recordId } }",
        {"i": {"id": failed["id"]}},
        token=admin,
    )
    assert again.data["reprocessInboundRequest"]["status"] == "PROCESSED"
    lead = (
        await gql(
            client, LEAD, {"id": again.data["reprocessInboundRequest"]["recordId"]}, token=admin
        )
    ).data["node"]
    assert lead["personName"] == f"Bo {marker}"


async def test_the_webhook_trigger_runs_rules_on_records_an_endpoint_wrote(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    name = f"Hooked {marker}"
    made = await _endpoint(
        client,
        admin,
        name=name,
        kind="WEBHOOK",
        object="Lead",
        verification="STANDARD",
        mapping={"fields": {"personName": "$.name"}},
    )
    rule = await make_rule(
        client,
        admin,
        name="From the shop",
        object="Lead",
        trigger={"on": "webhook", "to": {"endpoint": name}},
        actions=[{"type": "add_tags", "names": ["from-shop"]}],
    )
    try:
        body, headers = _signed(made["secret"], {"name": "Cy"})
        await client.post(made["endpoint"]["path"], content=body, headers=headers)
        await deliver()
        [request] = await _requests(client, admin, made["endpoint"]["id"])
        assert (await gql(client, LEAD, {"id": request["recordId"]}, token=admin)).data["node"][
            "tags"
        ] == ["from-shop"]
    finally:
        await disable(client, admin, rule)


async def test_a_web_form_creates_leads_with_channel_and_campaign_drops_bots_and_is_rate_limited(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    campaign = (
        await gql(
            client,
            "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }",
            {"i": {"name": f"Spring {marker}", "channel": "WEB_FORM"}},
            token=admin,
        )
    ).data["createCampaign"]
    made = await _endpoint(
        client,
        admin,
        name=f"Contact us {marker}",
        kind="FORM",
        object="Lead",
        honeypot="website",
        ratePerMinute=3,
        mapping={
            "fields": {"personName": "$.name", "email": "$.email"},
            "constants": {"sourceChannel": "WEB_FORM", "campaignId": campaign["id"]},
        },
    )
    assert made["secret"] is None and made["endpoint"]["path"].startswith("/forms/in_")
    path = made["endpoint"]["path"]
    person = await client.post(
        path, data={"name": f"Di {marker}", "email": f"di.{marker}@example.com", "website": ""}
    )
    assert person.status_code == 202
    bot = await client.post(
        path, data={"name": "Bot", "email": "bot@example.com", "website": "http://spam.example"}
    )
    assert bot.status_code == 202  # the bot is not told
    await client.post(path, json={"name": f"Ed {marker}"})
    limited = await client.post(path, data={"name": "One too many"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    await deliver()
    logged = await _requests(client, admin, made["endpoint"]["id"])
    assert sorted(r["status"] for r in logged) == ["PROCESSED", "PROCESSED", "REJECTED"]
    first = next(r for r in logged if r["status"] == "PROCESSED" and f"Di {marker}" in r["body"])
    lead = (await gql(client, LEAD, {"id": first["recordId"]}, token=admin)).data["node"]
    assert (lead["sourceChannel"], lead["campaign"]["name"]) == ("WEB_FORM", f"Spring {marker}")


async def test_endpoints_are_checked_when_saved_and_only_admins_manage_them(client, as_alpha):
    bad = await gql(
        client,
        CREATE,
        {
            "i": {
                "name": "Bad",
                "kind": "WEBHOOK",
                "object": "Lead",
                "verification": "HMAC",
                "mapping": {
                    "fields": {"personName": "name", "shoeSize": "$.s"},
                    "externalId": {"path": "$.id"},
                },
            }
        },
        token=as_alpha["admin"],
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    fields = {e["field"]: e["code"] for e in bad.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {
        "signatureHeader": "REQUIRED",
        "mapping.fields.personName": "INVALID_PATH",
        "mapping.fields.shoeSize": "UNKNOWN_FIELD",
        "mapping.externalId.system": "REQUIRED",
    }
    form = {
        "name": "F",
        "kind": "FORM",
        "object": "Lead",
        "mapping": {"fields": {"personName": "$.n"}},
    }
    assert (await gql(client, CREATE, {"i": form}, token=as_alpha["manager"])).codes == [
        "FORBIDDEN"
    ]
    assert (await gql(client, "{ inboundEndpoints { id } }", token=as_alpha["member"])).codes == [
        "FORBIDDEN"
    ]


async def test_another_tenant_can_neither_see_nor_use_nor_change_an_endpoint(
    client, as_alpha, as_beta, tenants, app_db, marker
):
    made = await _endpoint(
        client,
        as_alpha["admin"],
        name=f"Alpha only {marker}",
        kind="WEBHOOK",
        object="Lead",
        verification="STANDARD",
        mapping={"fields": {"personName": "$.name"}},
    )
    body, headers = _signed(made["secret"], {"name": "Alpha's"})
    assert (
        await client.post(made["endpoint"]["path"], content=body, headers=headers)
    ).status_code == 202
    beta = as_beta["admin"]
    assert made["endpoint"]["id"] not in [
        e["id"]
        for e in (await gql(client, "{ inboundEndpoints { id } }", token=beta)).data[
            "inboundEndpoints"
        ]
    ]
    assert await _requests(client, beta, made["endpoint"]["id"]) == []
    change = await gql(
        client,
        "mutation($i: UpdateInboundEndpointInput!) { updateInboundEndpoint(input: $i) { id } }",
        {"i": {"id": made["endpoint"]["id"], "version": 1, "name": "mine"}},
        token=beta,
    )
    assert change.codes == ["NOT_FOUND"]
    # A public id naming beta's tenant with alpha's endpoint finds nothing.
    from strawberry import relay

    from domain.integrations.endpoints import public_id

    endpoint_uuid = uuid.UUID(relay.GlobalID.from_id(made["endpoint"]["id"]).node_id)
    crossed = public_id(uuid.UUID(tenants["beta"].id), endpoint_uuid)
    assert (
        await client.post(f"/hooks/{crossed}", content=body, headers=headers)
    ).status_code == 404
    async with app_db.transaction():  # and the database itself shows beta none of alpha's rows
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert (
            await app_db.fetch("SELECT id FROM inbound_endpoint WHERE id = $1", endpoint_uuid) == []
        )
        assert (
            await app_db.fetch(
                "SELECT id FROM inbound_request WHERE endpoint_id = $1", endpoint_uuid
            )
            == []
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            await app_db.execute(
                "INSERT INTO external_id (tenant_id, record_type, system, external_id, record_id) "
                "VALUES ($1, 'Lead', 'x', 'y', $2)",
                uuid.UUID(tenants["alpha"].id),
                uuid.uuid4(),
            )


async def test_an_endpoint_upserts_custom_records_and_tickets_too(client, as_alpha, marker):
    from tests.support.custom import make_object

    admin = as_alpha["admin"]
    contract = await make_object(
        client,
        admin,
        [dict(apiName="title", type="TEXT"), dict(apiName="value", type="INTEGER")],
        stem="contract",
    )
    to_contract = await _endpoint(
        client,
        admin,
        name=f"Contracts {marker}",
        kind="WEBHOOK",
        object=contract,
        verification="STANDARD",
        mapping={
            "fields": {"title": "$.title", "value": "$.value"},
            "externalId": {"system": "erp", "path": "$.no"},
        },
    )
    to_ticket = await _endpoint(
        client,
        admin,
        name=f"Tickets {marker}",
        kind="WEBHOOK",
        object="Ticket",
        verification="STANDARD",
        mapping={"fields": {"subject": "$.subject"}, "constants": {"priority": "HIGH"}},
    )
    for payload in (
        {"no": f"K-{marker}", "title": "v1", "value": 10},
        {"no": f"K-{marker}", "title": "v2", "value": 20},
    ):
        body, headers = _signed(to_contract["secret"], payload)
        assert (
            await client.post(to_contract["endpoint"]["path"], content=body, headers=headers)
        ).status_code == 202
    body, headers = _signed(to_ticket["secret"], {"subject": f"Broken {marker}"})
    assert (
        await client.post(to_ticket["endpoint"]["path"], content=body, headers=headers)
    ).status_code == 202
    await deliver()
    first, second = (await _requests(client, admin, to_contract["endpoint"]["id"]))[::-1]
    assert (
        first["status"] == second["status"] == "PROCESSED"
        and first["recordId"] == second["recordId"]
    )
    record = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on CustomRecord { values } } }",
        {"id": first["recordId"]},
        token=admin,
    )
    assert record.data["node"]["values"]["title"] == "v2"
    [ticket] = await _requests(client, admin, to_ticket["endpoint"]["id"])
    node = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Ticket { subject priority } } }",
        {"id": ticket["recordId"]},
        token=admin,
    )
    assert node.data["node"] == {"subject": f"Broken {marker}", "priority": "HIGH"}


async def test_a_sender_whose_requests_keep_failing_is_slowed_down(client, as_alpha, marker):
    from api.integrations.hooks import REJECTIONS_PER_MINUTE

    admin = as_alpha["admin"]
    made = await _endpoint(
        client,
        admin,
        name=f"Flooded {marker}",
        kind="WEBHOOK",
        object="Lead",
        verification="STANDARD",
        mapping={"fields": {"personName": "$.name"}},
    )
    body, headers = _signed(made["secret"], {"name": "x"})
    forged = {**headers, "webhook-signature": "v1,Zm9yZ2Vk"}
    codes = [
        (await client.post(made["endpoint"]["path"], content=body, headers=forged)).status_code
        for _ in range(REJECTIONS_PER_MINUTE + 3)
    ]
    assert codes[:REJECTIONS_PER_MINUTE] == [401] * REJECTIONS_PER_MINUTE and set(
        codes[REJECTIONS_PER_MINUTE:]
    ) == {429}
    assert (
        len(await _requests(client, admin, made["endpoint"]["id"])) == REJECTIONS_PER_MINUTE
    )  # the flood stopped being logged


async def test_rotating_deleting_and_reprocessing_endpoints_with_their_errors(
    client, as_alpha, as_beta, marker
):
    admin = as_alpha["admin"]
    made = await _endpoint(
        client,
        admin,
        name=f"Rotating {marker}",
        kind="WEBHOOK",
        object="Lead",
        verification="STANDARD",
        mapping={"fields": {"personName": "$.name"}},
    )
    endpoint, old = made["endpoint"], made["secret"]
    rotate = "mutation($i: InboundEndpointRefInput!) { rotateInboundEndpointSecret(input: $i) { secret } }"
    assert (
        await gql(client, rotate, {"i": {"id": endpoint["id"]}}, token=as_beta["admin"])
    ).codes == ["NOT_FOUND"]
    assert (
        await gql(client, rotate, {"i": {"id": endpoint["id"]}}, token=as_alpha["manager"])
    ).codes == ["FORBIDDEN"]
    new = (await gql(client, rotate, {"i": {"id": endpoint["id"]}}, token=admin)).data[
        "rotateInboundEndpointSecret"
    ]["secret"]
    assert new != old
    body, headers = _signed(old, {"name": "Old key"})
    assert (await client.post(endpoint["path"], content=body, headers=headers)).status_code == 401
    body, headers = _signed(new, {"name": "New key"})
    assert (await client.post(endpoint["path"], content=body, headers=headers)).status_code == 202
    await deliver()
    processed = next(
        r for r in await _requests(client, admin, endpoint["id"]) if r["status"] == "PROCESSED"
    )
    again = await gql(
        client,
        "mutation($i: InboundRequestRefInput!) { reprocessInboundRequest(input: $i) { status } }",
        {"i": {"id": processed["id"]}},
        token=admin,
    )
    assert again.codes == [
        "BAD_USER_INPUT"
    ]  # only FAILED requests go again; the processed one stays as it was
    assert (await _requests(client, admin, endpoint["id"]))[0]["status"] == "PROCESSED"
    stale = await gql(
        client,
        "mutation($i: UpdateInboundEndpointInput!) { updateInboundEndpoint(input: $i) { version } }",
        {"i": {"id": endpoint["id"], "version": endpoint["version"] + 5, "name": "x"}},
        token=admin,
    )
    assert stale.codes == ["CONFLICT"]
    form = await _endpoint(
        client,
        admin,
        name=f"Form {marker}",
        kind="FORM",
        object="Lead",
        mapping={"fields": {"personName": "$.n"}},
    )
    assert (
        await gql(client, rotate, {"i": {"id": form["endpoint"]["id"]}}, token=admin)
    ).codes == ["BAD_USER_INPUT"]
    deleted = await gql(
        client,
        "mutation($i: InboundEndpointRefInput!) { deleteInboundEndpoint(input: $i) { id } }",
        {"i": {"id": endpoint["id"]}},
        token=admin,
    )
    assert deleted.data
    assert (await client.post(endpoint["path"], content=body, headers=headers)).status_code == 404
    assert endpoint["id"] not in [
        e["id"]
        for e in (await gql(client, "{ inboundEndpoints { id } }", token=admin)).data[
            "inboundEndpoints"
        ]
    ]


def _field_errors(response) -> dict[str, str]:
    assert response.codes == ["BAD_USER_INPUT"], response.body
    return {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}


async def test_a_mapping_is_checked_against_the_objects_fields_when_saved(client, as_alpha, marker):
    from tests.support.custom import make_object

    admin = as_alpha["admin"]
    # When an admin saves a web form whose constant is not one of the field's choices
    form = {
        "name": f"Website {marker}",
        "kind": "FORM",
        "object": "Lead",
        "mapping": {
            "fields": {"personName": "$.name", "email": "$.email"},
            "constants": {"sourceChannel": "WEBSITE"},
        },
    }
    # Then it is refused, instead of every visitor's request failing later
    assert _field_errors(await gql(client, CREATE, {"i": form}, token=admin)) == {
        "mapping.constants.sourceChannel": "INVALID_CHOICE"
    }
    # ...as are constants of the wrong type, paths to fields nobody writes, and a new record's missing required fields
    wrong = await gql(
        client,
        CREATE,
        {
            "i": {
                **form,
                "mapping": {
                    "fields": {"personName": "$.name", "convertedAt": "$.when", "id": "$.id"},
                    "constants": {
                        "score": "lots",
                        "email": "not an email",
                        "campaignId": "not an id",
                    },
                },
            }
        },
        token=admin,
    )
    assert _field_errors(wrong) == {
        "mapping.constants.score": "INVALID_NUMBER",
        "mapping.constants.email": "INVALID_EMAIL",
        "mapping.constants.campaignId": "INVALID_ID",
        "mapping.fields.convertedAt": "READ_ONLY",
        "mapping.fields.id": "READ_ONLY",
    }
    customer = await gql(
        client,
        CREATE,
        {
            "i": {
                "name": f"Accounts {marker}",
                "kind": "FORM",
                "object": "Customer",
                "mapping": {"fields": {"region": "$.region"}},
            }
        },
        token=admin,
    )
    assert _field_errors(customer) == {"mapping.fields.name": "REQUIRED"}
    # Custom objects' fields are checked the same way
    deal = await make_object(
        client,
        admin,
        [
            dict(apiName="title", type="TEXT", required=True),
            dict(apiName="tier", type="SINGLE_SELECT", config={"options": ["GOLD", "SILVER"]}),
        ],
    )
    custom = await gql(
        client,
        CREATE,
        {
            "i": {
                "name": f"Deals {marker}",
                "kind": "FORM",
                "object": deal,
                "mapping": {"fields": {"tier": "$.tier"}, "constants": {"tier": "PLATINUM"}},
            }
        },
        token=admin,
    )
    assert _field_errors(custom) == {
        "mapping.constants.tier": "INVALID_CHOICE",
        "mapping.fields.title": "REQUIRED",
    }
    # ...while a good mapping is kept, and updates are checked too
    made = await _endpoint(
        client,
        admin,
        **{**form, "mapping": {**form["mapping"], "constants": {"sourceChannel": "WEB_FORM"}}},
    )
    update = await gql(
        client,
        "mutation($i: UpdateInboundEndpointInput!) { updateInboundEndpoint(input: $i) { version } }",
        {
            "i": {
                "id": made["endpoint"]["id"],
                "version": made["endpoint"]["version"],
                "mapping": {
                    "fields": {"personName": "$.name"},
                    "constants": {"lifecycleStage": "PROSPECT"},
                },
            }
        },
        token=admin,
    )
    assert _field_errors(update) == {"mapping.constants.lifecycleStage": "INVALID_CHOICE"}


async def test_mapping_constants_naming_another_tenants_records_are_not_found(
    client, as_alpha, as_beta, marker
):
    # Given a campaign, a team and a member of beta's
    beta = as_beta["admin"]
    campaign = (
        await gql(
            client,
            "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }",
            {"i": {"name": f"Beta's {marker}", "channel": "WEB_FORM"}},
            token=beta,
        )
    ).data["createCampaign"]["id"]
    beta_member = (await gql(client, "{ me { id } }", token=as_beta["member"])).data["me"]["id"]
    team = (
        await gql(
            client,
            "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
            {"i": {"name": f"Beta team {marker}", "memberIds": []}},
            token=beta,
        )
    ).data["createTeam"]["id"]
    # When alpha's admin names them in a form's constants
    response = await gql(
        client,
        CREATE,
        {
            "i": {
                "name": f"Crossed {marker}",
                "kind": "FORM",
                "object": "Lead",
                "mapping": {
                    "fields": {"personName": "$.name"},
                    "constants": {"campaignId": campaign, "ownerId": beta_member, "teamId": team},
                },
            }
        },
        token=as_alpha["admin"],
    )
    # Then each is not found, as if it did not exist
    assert _field_errors(response) == {
        "mapping.constants.campaignId": "NOT_FOUND",
        "mapping.constants.ownerId": "NOT_FOUND",
        "mapping.constants.teamId": "NOT_FOUND",
    }
    # ...while alpha's own campaign is accepted
    own = (
        await gql(
            client,
            "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) { id } }",
            {"i": {"name": f"Alpha's {marker}", "channel": "WEB_FORM"}},
            token=as_alpha["admin"],
        )
    ).data["createCampaign"]["id"]
    await _endpoint(
        client,
        as_alpha["admin"],
        name=f"Own {marker}",
        kind="FORM",
        object="Lead",
        mapping={"fields": {"personName": "$.name"}, "constants": {"campaignId": own}},
    )


def _nested(levels: int) -> dict:
    value: dict = {"name": "deep"}
    for _ in range(levels):
        value = {"inner": value}
    return value


async def test_a_webhook_body_that_cannot_be_stored_is_refused_and_logged(client, as_alpha, marker):
    admin = as_alpha["admin"]
    made = await _endpoint(
        client,
        admin,
        name=f"Careful {marker}",
        kind="WEBHOOK",
        object="Customer",
        verification="HMAC",
        signatureHeader="X-Signature",
        mapping={"fields": {"name": "$.name"}},
    )
    path = made["endpoint"]["path"]
    bodies = {
        b'{"name": "a\\u0000b"}': "$.name: text must not contain NUL",
        b'{"name": "x", "tags": ["\\ud800"]}': "$.tags.0: text must not contain NUL",
        json.dumps({"name": "Utf16"}).encode("utf-16"): "not UTF-8 JSON",
        b'{"name": "raw \x00 byte"}': "not UTF-8 JSON",
        json.dumps(_nested(70)).encode(): "nests deeper than 64 levels",
        b"[" * 5000 + b"]" * 5000: "not UTF-8 JSON",
    }
    for body, reason in bodies.items():
        digest = hmac.new(made["secret"].encode(), body, hashlib.sha256).hexdigest()
        response = await client.post(path, content=body, headers={"x-signature": digest})
        assert response.status_code == 400 and reason in response.json()["status"], (
            body[:40],
            response.text,
        )
    logged = await _requests(client, admin, made["endpoint"]["id"])
    assert [r["status"] for r in logged] == ["REJECTED"] * len(bodies)
    assert "\ufffd" in next(
        r["body"] for r in logged if "raw" in r["body"]
    )  # the NUL byte, replaced to be stored


async def test_a_web_form_refuses_what_is_not_a_form_at_once_and_stores_nothing(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    made = await _endpoint(
        client,
        admin,
        name=f"Strict form {marker}",
        kind="FORM",
        object="Lead",
        ratePerMinute=100,
        mapping={"fields": {"personName": "$.name"}},
    )
    path = made["endpoint"]["path"]
    refused = [
        (b'{"name": ', "application/json", 400, "not UTF-8 JSON"),
        (b'["name"]', "application/json", 400, "an object of fields"),
        (b'{"name": "\xff"}', "application/json", 400, "not UTF-8 JSON"),
        (json.dumps(_nested(70)).encode(), "application/json", 400, "nests deeper than 64 levels"),
        (b'{"name": "a\\u0000b"}', "application/json", 400, "name: text must not contain NUL"),
        (
            b"name=a%00b",
            "application/x-www-form-urlencoded",
            400,
            "name: text must not contain NUL",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "application/octet-stream", 415, "send the form as"),
        (b"name=Ada", "", 415, "send the form as"),
        (
            b'--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nAda\r\n--x--\r\n',
            "multipart/form-data",
            400,
            "cannot be read",
        ),  # no boundary given
        (
            b"--x\r\nContent-Disposition: form-data\r\n\r\nAda\r\n--x--\r\n",
            "multipart/form-data; boundary=x",
            400,
            "cannot be read",
        ),  # a part without a name
    ]
    for body, content_type, status, reason in refused:
        response = await client.post(
            path, content=body, headers={"content-type": content_type} if content_type else {}
        )
        assert response.status_code == status and reason in response.json()["status"], (
            body[:30],
            response.text,
        )
    assert await _requests(client, admin, made["endpoint"]["id"]) == []
    multipart = await client.post(
        path, data={"name": f"Multi {marker}"}, files={"cv": ("cv.txt", b"\x00binary")}
    )
    assert multipart.status_code == 202
