"""Outgoing URLs (webhook endpoints, call_http, group robots, sync connections) that name a private,
loopback or otherwise non-public address, however it is spelled, are refused when saved, with a
field error; a URL that gets past saving (a DNS answer that changed, an allowance withdrawn) is
refused when sent, and the log names the refusal."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from strawberry import relay

from tests.support.automation import CREATE_RULE
from tests.support.graphql import gql

CREATE_ENDPOINT = "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }"
CREATE_SYNC = "mutation($i: CreateSyncConnectionInput!) { createSyncConnection(input: $i) { id } }"
SEND_TEST = "mutation($i: WebhookEndpointRefInput!) { sendTestWebhook(input: $i) { status attempts { error } } }"
DELETE_ENDPOINT = (
    "mutation($i: WebhookEndpointRefInput!) { deleteWebhookEndpoint(input: $i) { id } }"
)

# (what it is, URL): every family of address an outgoing call must not reach, in the spellings
# resolvers accept.
REFUSED = [
    ("loopback", "http://127.0.0.1/"),
    ("loopback, trailing dot", "http://127.0.0.1./"),
    ("loopback elsewhere in 127/8, with a port", "http://127.8.9.10:6379/"),
    ("localhost", "http://localhost/"),
    ("localhost, trailing dot", "http://localhost./"),
    ("localhost, upper case with a port", "http://LOCALHOST:8080/x"),
    ("a .localhost name", "http://admin.localhost/"),
    ("decimal", "http://2130706433/"),
    ("octal", "http://0177.0.0.1/"),
    ("octal, one number", "http://017700000001/"),
    ("hex", "http://0x7f000001/"),
    ("hex, dotted", "http://0x7f.0.0.1/"),
    ("short form", "http://127.1/"),
    ("zero padded", "http://127.000.000.001/"),
    ("fullwidth digits", "http://１２７.０.０.１/"),
    ("unspecified", "http://0.0.0.0/"),
    ("unspecified, short", "http://0/"),
    ("IPv6 loopback", "http://[::1]/"),
    ("IPv6 unspecified", "http://[::]/"),
    ("IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]/"),
    ("IPv4-mapped IPv6, hex", "http://[0:0:0:0:0:ffff:7f00:1]/"),
    ("IPv4-mapped private", "http://[::ffff:10.0.0.1]/"),
    ("IPv4-compatible IPv6", "http://[::127.0.0.1]/"),
    ("6to4 of loopback", "http://[2002:7f00:1::]/"),
    ("NAT64 of loopback", "http://[64:ff9b::7f00:1]/"),
    ("private 10/8", "http://10.0.0.1/"),
    ("private 172.16/12", "http://172.16.5.4/"),
    ("private 192.168/16", "https://192.168.1.1/"),
    ("link-local, cloud metadata", "http://169.254.169.254/latest/meta-data"),
    ("IPv6 link-local with a zone", "http://[fe80::1%25eth0]/"),
    ("IPv6 unique local", "http://[fd00::1]/"),
    ("carrier-grade NAT", "http://100.64.0.1/"),
    ("multicast", "http://224.0.0.1/"),
    ("broadcast", "http://255.255.255.255/"),
    ("benchmarking", "http://198.18.0.1/"),
    ("documentation", "http://192.0.2.1/"),
]


@pytest.fixture
def production_allowance():
    """Outgoing settings as production has them by default: no network allowed beyond public ones
    (the suite allows 127.0.0.1 for its receivers)."""
    from domain.outbound.config import configure_outbound, outbound_config

    before = outbound_config()
    configure_outbound(replace(before, allowed_networks=()))
    yield
    configure_outbound(before)


def field_errors(response) -> dict[str, str]:
    assert response.codes == ["BAD_USER_INPUT"], response.body
    return {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}


@pytest.mark.parametrize(("kind", "url"), REFUSED, ids=[kind for kind, _ in REFUSED])
async def test_a_webhook_endpoint_and_an_http_call_to_a_non_public_address_are_refused_when_saved(
    client, as_alpha, production_allowance, kind, url
):
    admin = as_alpha["admin"]
    # When an admin saves a webhook endpoint and a rule calling the URL
    endpoint = await gql(
        client, CREATE_ENDPOINT, {"i": {"url": url, "eventTypes": ["*"]}}, token=admin
    )
    rule = await gql(
        client,
        CREATE_RULE,
        {
            "input": {
                "name": "call",
                "object": "Lead",
                "trigger": {"on": "created"},
                "actions": [{"type": "call_http", "url": url}],
            }
        },
        token=admin,
    )
    # Then both are refused, naming the refusal
    assert field_errors(endpoint) == {"url": "BLOCKED_ADDRESS"}, kind
    assert field_errors(rule) == {"actions.0.url": "BLOCKED_ADDRESS"}, kind
    assert endpoint.errors[0]["extensions"]["fieldErrors"][0]["message"].startswith("refused: ")


async def test_robot_channels_and_sync_connections_are_checked_the_same_way(
    client, as_alpha, production_allowance
):
    admin = as_alpha["admin"]
    rule = await gql(
        client,
        CREATE_RULE,
        {
            "input": {
                "name": "robots",
                "object": "Lead",
                "trigger": {"on": "created"},
                "actions": [
                    {
                        "type": "post_message",
                        "provider": "wecom",
                        "url": "http://localhost./cgi-bin/webhook/send?key=k",
                        "text": "x",
                    },
                    {
                        "type": "notify",
                        "to": "owner",
                        "title": "x",
                        "channel": {
                            "provider": "dingtalk",
                            "url": "http://[::ffff:127.0.0.1]/robot",
                        },
                    },
                    {
                        "type": "post_message",
                        "provider": "dingtalk",
                        "url": "https://8.8.8.8/robot/send",
                        "text": "a public address is fine",
                    },
                ],
            }
        },
        token=admin,
    )
    assert field_errors(rule) == {
        "actions.0.url": "BLOCKED_ADDRESS",
        "actions.1.channel.url": "BLOCKED_ADDRESS",
    }
    sync = await gql(
        client,
        CREATE_SYNC,
        {
            "i": {
                "name": "ERP",
                "connector": "rest_erp",
                "system": "erp",
                "baseUrl": "http://2130706433:8069/api",
            }
        },
        token=admin,
    )
    assert field_errors(sync) == {"baseUrl": "BLOCKED_ADDRESS"}


async def test_the_operators_allowance_lets_an_intranet_address_be_saved(client, as_alpha):
    from domain.outbound.config import configure_outbound, outbound_config, parse_networks

    admin = as_alpha["admin"]
    before = outbound_config()
    configure_outbound(replace(before, allowed_networks=parse_networks("10.20.0.0/16")))
    try:
        inside = await gql(
            client,
            CREATE_ENDPOINT,
            {"i": {"url": "http://10.20.1.2/hook", "eventTypes": ["*"]}},
            token=admin,
        )
        outside = await gql(
            client,
            CREATE_ENDPOINT,
            {"i": {"url": "http://10.21.1.2/hook", "eventTypes": ["*"]}},
            token=admin,
        )
    finally:
        configure_outbound(before)
    assert inside.data["createWebhookEndpoint"]["endpoint"]["id"]
    assert field_errors(outside) == {"url": "BLOCKED_ADDRESS"}
    await gql(
        client,
        DELETE_ENDPOINT,
        {"i": {"id": inside.data["createWebhookEndpoint"]["endpoint"]["id"]}},
        token=admin,
    )


@pytest.mark.parametrize(
    "stored",
    [
        "http://127.0.0.1./hook",
        "http://localhost./hook",
        "http://0177.0.0.1/hook",
        "http://2130706433/",
    ],
)
async def test_a_test_event_to_a_url_saved_before_these_checks_reports_the_refusal(
    client, as_alpha, owner_db, production_allowance, stored
):
    # Given an endpoint whose URL was saved before addresses were checked when saving
    admin = as_alpha["admin"]
    made = (
        await gql(
            client,
            CREATE_ENDPOINT,
            {"i": {"url": "https://8.8.8.8/hook", "eventTypes": ["webhook.test"]}},
            token=admin,
        )
    ).data["createWebhookEndpoint"]["endpoint"]
    await owner_db.execute(
        "UPDATE webhook_endpoint SET url = $1 WHERE id = $2",
        stored,
        uuid.UUID(relay.GlobalID.from_id(made["id"]).node_id),
    )
    try:
        # When an admin sends it a test event
        tested = await gql(client, SEND_TEST, {"i": {"id": made["id"]}}, token=admin)
        # Then the delivery fails, and its log says why instead of the API answering INTERNAL
        assert tested.codes == [], tested.body
        [attempt] = tested.data["sendTestWebhook"]["attempts"]
        assert "cannot resolve" not in attempt["error"], attempt
        assert attempt["error"].startswith("refused: ") or attempt["error"].startswith(
            "InvalidURL: "
        ), attempt
    finally:
        await gql(client, DELETE_ENDPOINT, {"i": {"id": made["id"]}}, token=admin)
