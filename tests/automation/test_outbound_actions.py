"""Actions that leave Tessera: signed HTTP calls (checked with the `standardwebhooks` package),
email over real SMTP (the dev mail catcher), retries with one key per step, and the SSRF guard."""

from __future__ import annotations

import email
import json
import time
import uuid
from dataclasses import replace

import pytest
from standardwebhooks import Webhook

from tests.support.automation import deliver, disable, exhaust_retries, make_rule, runs_of
from tests.support.graphql import gql
from tests.support.receiver import Receiver

LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"
TEST_RULE = "mutation($i: TestAutomationRuleInput!) { testAutomationRule(input: $i) }"


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def outbound():
    """Change this process's outgoing settings for one test, then put them back."""
    from domain.outbound.config import configure_outbound, outbound_config

    before = outbound_config()
    yield lambda **changes: configure_outbound(replace(before, **changes))
    configure_outbound(before)


@pytest.fixture(scope="session")
def mailbox(tmp_path_factory):
    from tessera.mailcatcher import MailCatcher

    catcher = MailCatcher(tmp_path_factory.mktemp("mail")).start()
    yield catcher
    catcher.stop()


async def _lead(client, admin, marker, **values):
    return (
        await gql(
            client,
            LEAD,
            {"input": {"personName": f"Pat {marker}", "region": marker, **values}},
            token=admin,
        )
    ).data["createLead"]


async def test_a_rule_calls_a_url_with_a_verifiable_signature_once_per_event(
    client, as_alpha, marker, receiver
):
    from workers.events import deliver_event

    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="Tell the ERP",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[{"type": "call_http", "url": receiver.url}],
    )
    secret = rule["actions"][0]["secret"]
    assert secret.startswith("whsec_")  # made when the rule was saved, shown to its admins
    try:
        await _lead(client, admin, marker)
        seen: list = []
        await deliver(seen)
        [call] = receiver.received
        payload = Webhook(secret).verify(call.body, call.headers)  # an independent verifier
        assert payload["data"]["record"]["personName"] == f"Pat {marker}"
        assert payload["data"]["recordType"] == "Lead" and call.method == "POST"
        created = next(
            e
            for e in seen
            if e.event_type == "Lead.created"
            and e.record_id
            and str(e.record_id) == payload["data"]["rawRecordId"]
        )
        await deliver_event(str(created.tenant_id), str(created.id))  # delivered twice: called once
        assert len(receiver.received) == 1
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "SUCCEEDED" and ": 200 in" in run["steps"][0]["detail"]
    finally:
        await disable(client, admin, rule)


async def test_a_failing_call_is_retried_with_the_same_id_then_fails_and_can_be_rerun(
    client, as_alpha, marker, receiver
):
    admin = as_alpha["admin"]
    receiver.answers = [(500, {})]
    rule = await make_rule(
        client,
        admin,
        name="Flaky ERP",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[
            {"type": "add_tags", "names": ["sent"]},
            {"type": "call_http", "url": receiver.url, "method": "PUT"},
        ],
    )
    try:
        lead = await _lead(client, admin, marker)
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "RETRYING" and "answered 500" in run["reason"]
        await exhaust_retries()
        [run] = await runs_of(client, admin, rule["id"])
        assert (run["status"], run["attempts"]) == ("FAILED", 4)
        assert (
            len(receiver.received) == 4
            and len({r.headers["webhook-id"] for r in receiver.received}) == 1
        )
        tags = "query($id: ID!) { node(id: $id) { ... on Lead { tags } } }"
        assert (await gql(client, tags, {"id": lead["id"]}, token=admin)).data["node"][
            "tags"
        ] == []  # undone with the call
        receiver.answers = [(204, {})]  # the receiver is fixed; an admin runs it again
        again = await gql(
            client,
            "mutation($i: RunRefInput!) { rerunAutomationRun(input: $i) }",
            {"i": {"id": run["id"]}},
            token=admin,
        )
        assert again.data["rerunAutomationRun"] is True
        assert [r["status"] for r in await runs_of(client, admin, rule["id"])] == ["SUCCEEDED"]
        assert (await gql(client, tags, {"id": lead["id"]}, token=admin)).data["node"]["tags"] == [
            "sent"
        ]
        # Testing the rule sends nothing.
        tried = await gql(
            client, TEST_RULE, {"i": {"id": rule["id"], "recordId": lead["id"]}}, token=admin
        )
        assert (
            tried.data["testAutomationRule"]["steps"][1]["detail"]
            == f"would call PUT {receiver.url}"
        )
        assert len(receiver.received) == 5
    finally:
        await disable(client, admin, rule)


async def test_calls_never_reach_private_addresses_directly_by_name_or_by_redirect(
    client, as_alpha, marker, receiver, outbound
):
    from domain.outbound.config import parse_networks

    admin = as_alpha["admin"]
    redirector = Receiver(answers=[(302, {"location": "http://169.254.169.254/latest/meta-data"})])
    targets = [
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/",
        "http://[::1]:9/",
        redirector.url,
    ]
    # Given rules saved while the operator allowed those networks (saving checks addresses too)...
    outbound(allowed_networks=parse_networks("127.0.0.1/32, 169.254.0.0/16, 10.0.0.0/8, ::1/128"))
    rules = [
        await make_rule(
            client,
            admin,
            name=f"SSRF {n}",
            object="Lead",
            trigger={"on": "created"},
            conditions={"field": "region", "op": "eq", "value": marker},
            actions=[{"type": "call_http", "url": url}],
        )
        for n, url in enumerate(targets)
    ]
    # ...and allows only the tests' 127.0.0.1 now
    outbound(allowed_networks=parse_networks("127.0.0.1/32"))
    try:
        await _lead(client, admin, marker)
        await deliver()
        for rule, url in zip(rules, targets, strict=True):
            [run] = await runs_of(client, admin, rule["id"])
            assert run["status"] == "RETRYING" and "refused: " in run["reason"], (
                url,
                run["reason"],
            )
        assert (
            len(redirector.received) == 1
        )  # the first hop is allowed (127.0.0.1 in tests), the redirect is not
        # A name resolving to a loopback address is refused too, once the tests' allowance is gone.
        port = receiver.url.split(":")[2].split("/")[0]
        local = await make_rule(
            client,
            admin,
            name="SSRF by name",
            object="Lead",
            trigger={"on": "created"},
            conditions={"field": "region", "op": "eq", "value": marker + "x"},
            actions=[{"type": "call_http", "url": f"http://localhost:{port}/hook"}],
        )
        rules.append(local)
        outbound(allowed_networks=())
        await _lead(client, admin, marker + "x")
        await deliver()
        [run] = await runs_of(client, admin, local["id"])
        assert (
            "refused: localhost is loopback address 127.0.0.1" in run["reason"]
            and receiver.received == []
        )
    finally:
        redirector.close()
        for rule in rules:
            await disable(client, admin, rule)


async def test_a_call_that_takes_too_long_fails_at_the_timeout(
    client, as_alpha, marker, receiver, outbound
):
    admin = as_alpha["admin"]
    outbound(timeout_seconds=0.3)
    receiver.delay_seconds = 1.5
    rule = await make_rule(
        client,
        admin,
        name="Slow",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[{"type": "call_http", "url": receiver.url}],
    )
    try:
        await _lead(client, admin, marker)
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "RETRYING" and "Timeout" in run["reason"]
    finally:
        await disable(client, admin, rule)


async def test_a_rule_emails_the_record_and_its_owner(
    client, as_alpha, tenants, user_ids, marker, mailbox, outbound
):
    admin = as_alpha["admin"]
    outbound(smtp_url=mailbox.url)
    before = len(mailbox.messages())
    rule = await make_rule(
        client,
        admin,
        name="Welcome",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[
            {
                "type": "send_email",
                "to": "record",
                "field": "email",
                "subject": "Welcome {{personName}}",
                "body": "Hello from {{region}}",
            },
            {"type": "send_email", "to": "owner", "subject": "New lead {{personName}}"},
        ],
    )
    try:
        await _lead(
            client, admin, marker, email=f"pat.{marker}@example.com", ownerId=user_ids["member"]
        )
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "SUCCEEDED", run
        sent = [email.message_from_bytes(m) for m in mailbox.messages()[before:]]
        by_subject = {m["Subject"]: m for m in sent}
        welcome = by_subject[f"Welcome Pat {marker}"]
        assert (
            welcome["To"] == f"pat.{marker}@example.com"
            and welcome.get_payload().strip() == f"Hello from {marker}"
        )
        assert by_subject[f"New lead Pat {marker}"]["To"] == tenants["alpha"].email("member")
        assert (
            welcome["Message-ID"] != by_subject[f"New lead Pat {marker}"]["Message-ID"]
        )  # one key per step
    finally:
        await disable(client, admin, rule)


async def test_email_without_a_mail_server_fails_clearly(client, as_alpha, marker, outbound):
    admin = as_alpha["admin"]
    outbound(smtp_url="")
    rule = await make_rule(
        client,
        admin,
        name="No SMTP",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[
            {
                "type": "send_email",
                "to": "addresses",
                "addresses": ["ops@example.com"],
                "subject": "x",
            }
        ],
    )
    try:
        await _lead(client, admin, marker)
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "RETRYING" and "email is not configured" in run["reason"]
    finally:
        await disable(client, admin, rule)


async def test_outbound_actions_are_checked_when_saved(client, as_alpha):
    admin = as_alpha["admin"]
    bad = await gql(
        client,
        "mutation($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }",
        {
            "input": {
                "name": "Bad",
                "object": "Lead",
                "trigger": {"on": "created"},
                "actions": [
                    {"type": "call_http", "url": "ftp://example.com/x"},
                    {
                        "type": "call_http",
                        "url": "https://user:pw@example.com/",
                        "method": "DELETE",
                    },
                    {
                        "type": "send_email",
                        "to": "addresses",
                        "addresses": ["not an address"],
                        "subject": "x",
                    },
                    {"type": "send_email", "to": "nobody", "subject": ""},
                ],
            }
        },
        token=admin,
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    fields = {e["field"]: e["code"] for e in bad.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {
        "actions.0.url": "INVALID_URL",
        "actions.1.url": "INVALID_URL",
        "actions.1.method": "INVALID_CHOICE",
        "actions.2.addresses.0": "INVALID_EMAIL",
        "actions.3.to": "INVALID_CHOICE",
        "actions.3.subject": "REQUIRED",
    }


def test_the_signature_is_the_standard_one():
    from domain.outbound.signing import headers, new_secret

    secret = new_secret()
    body = json.dumps({"type": "x"}).encode()
    assert Webhook(secret).verify(body, headers([secret], "msg_1", int(time.time()), body)) == {
        "type": "x"
    }
