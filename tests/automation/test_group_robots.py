"""Posting to WeCom- and DingTalk-style group robots from a rule, against a local receiver that
checks DingTalk's timestamp+secret signature the way DingTalk documents it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.automation import deliver, disable, make_rule, runs_of
from tests.support.graphql import gql
from tests.support.receiver import Receiver

LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"


@pytest.fixture
def robot():
    server = Receiver(reply=b'{"errcode": 0, "errmsg": "ok"}')
    yield server
    server.close()


async def test_a_rule_posts_to_a_signed_dingtalk_group_and_a_wecom_group(client, as_alpha, robot):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    secret = "SEC" + uuid.uuid4().hex
    rule = await make_rule(
        client,
        admin,
        name="Tell the team",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[
            {
                "type": "post_message",
                "provider": "dingtalk",
                "url": robot.url + "?access_token=t",
                "secret": secret,
                "text": "New lead {{personName}}",
                "mentionAll": True,
            },
            {
                "type": "post_message",
                "provider": "wecom",
                "url": robot.url + "?key=k",
                "text": "Lead {{personName}}",
            },
        ],
    )
    try:
        await gql(
            client, LEAD, {"input": {"personName": f"Gus {marker}", "region": marker}}, token=admin
        )
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "SUCCEEDED", run
        ding, wecom = robot.received
        query = parse_qs(urlsplit(ding.path).query)
        stamp = query["timestamp"][0]
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        assert query["sign"][0] == expected and abs(int(stamp) / 1000 - time.time()) < 60
        assert json.loads(ding.body) == {
            "msgtype": "text",
            "text": {"content": f"New lead Gus {marker}"},
            "at": {"isAtAll": True},
        }
        assert json.loads(wecom.body) == {
            "msgtype": "text",
            "text": {"content": f"Lead Gus {marker}"},
        }
    finally:
        await disable(client, admin, rule)


async def test_a_robot_refusal_fails_the_step(client, as_alpha, robot):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    robot.reply = b'{"errcode": 310000, "errmsg": "sign not match"}'
    rule = await make_rule(
        client,
        admin,
        name="Refused",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[{"type": "post_message", "provider": "dingtalk", "url": robot.url, "text": "x"}],
    )
    try:
        await gql(client, LEAD, {"input": {"personName": "Hal", "region": marker}}, token=admin)
        await deliver()
        [run] = await runs_of(client, admin, rule["id"])
        assert run["status"] == "RETRYING" and "sign not match" in run["reason"]
        bad = await gql(
            client,
            "mutation($input: CreateAutomationRuleInput!) { createAutomationRule(input: $input) { id } }",
            {
                "input": {
                    "name": "Bad",
                    "object": "Lead",
                    "trigger": {"on": "created"},
                    "actions": [
                        {
                            "type": "post_message",
                            "provider": "slack",
                            "url": "gopher://x",
                            "text": "",
                        }
                    ],
                }
            },
            token=admin,
        )
        assert {e["field"] for e in bad.errors[0]["extensions"]["fieldErrors"]} == {
            "actions.0.provider",
            "actions.0.url",
            "actions.0.text",
        }
    finally:
        await disable(client, admin, rule)


async def test_notifications_can_also_go_to_a_group_channel(client, as_alpha, user_ids, robot):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    rule = await make_rule(
        client,
        admin,
        name="Loud",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[
            {
                "type": "notify",
                "to": "users",
                "userIds": [user_ids["manager"]],
                "title": "Lead {{personName}}",
                "body": "from {{region}}",
                "channel": {"provider": "wecom", "url": robot.url},
            }
        ],
    )
    try:
        await gql(
            client, LEAD, {"input": {"personName": f"Ivy {marker}", "region": marker}}, token=admin
        )
        await deliver()
        assert (
            json.loads(robot.received[0].body)["text"]["content"]
            == f"Lead Ivy {marker}\nfrom {marker}"
        )
        notes = (
            await gql(
                client,
                "{ notifications(first: 100) { edges { node { title } } } }",
                token=as_alpha["manager"],
            )
        ).nodes("notifications")
        assert f"Lead Ivy {marker}" in [n["title"] for n in notes]
    finally:
        await disable(client, admin, rule)
