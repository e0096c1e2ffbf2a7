"""Every object with an id is a Node that `node(id:)` answers, for its own tenant only.

Walked from the schema, so a new type is covered: every object type with `id: ID!` implements
Node (but the few shapes whose id is another node's id); a well-formed global id whose inner id is
not a UUID is null for every Node type, never INTERNAL; and the ids the API hands out for real
data of many types come back through node() and nodes(), and are null for another tenant."""

from __future__ import annotations

import base64
import uuid

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLScalarType

from tests.support.automation import deliver, make_rule
from tests.support.graphql import api_schema, gql
from tests.support.receiver import Receiver
from tests.support.records import make_customer

# Shapes whose `id` is the global id of another Node (they are views of it, not objects).
VIEWS_OF_ANOTHER_NODE = {
    "Me": "the caller, a User",
    "RecordChange": "the changed record",
    "RelatedRecord": "the record a relation or user field points at",
    "UpsertResult": "the record created or updated",
}
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


def _node_types() -> list[str]:
    schema = api_schema()
    return sorted(
        t.name
        for t in schema.type_map.values()
        if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
    )


def test_every_object_with_an_id_is_a_node():
    schema = api_schema()
    not_nodes = set()
    for t in schema.type_map.values():
        if not isinstance(t, GraphQLObjectType) or t.name.startswith("__"):
            continue
        id_field = t.fields.get("id")
        if id_field is None or not isinstance(id_field.type, GraphQLNonNull):
            continue
        of_type = id_field.type.of_type
        if isinstance(of_type, GraphQLScalarType) and of_type.name == "ID":
            if not any(i.name == "Node" for i in t.interfaces):
                not_nodes.add(t.name)
    assert not_nodes == set(VIEWS_OF_ANOTHER_NODE)


async def test_a_malformed_inner_id_of_every_node_type_is_no_node(client, as_alpha):
    types = _node_types()
    assert len(types) >= 30
    answers = {}
    for name in types:
        for inner in ("nope", "", "00000000-0000-0000-0000-00000000000g"):
            global_id = base64.b64encode(f"{name}:{inner}".encode()).decode()
            response = await gql(client, NODE, {"id": global_id}, token=as_alpha["admin"])
            answers[(name, inner)] = (response.data or {}).get("node"), response.codes
    assert {k: v for k, v in answers.items() if v[0] is not None or "INTERNAL" in v[1]} == {}


async def test_a_random_uuid_of_every_node_type_is_no_node(client, as_alpha):
    ids = [base64.b64encode(f"{name}:{uuid.uuid4()}".encode()).decode() for name in _node_types()]
    response = await gql(client, NODES, {"ids": ids}, token=as_alpha["admin"])
    assert response.data["nodes"] == [None] * len(ids)


IDS = """
query {
  me { tenant { id } }
  tags { edges { node { id } } }
  automationRules { id }
  automationRuns(first: 100) { edges { node { id } } }
  notifications(first: 100) { edges { node { id } } }
  webhookEndpoints { id }
  webhookDeliveries(first: 100) { edges { node { id } } }
  inboundEndpoints { id }
  inboundRequests(first: 100) { edges { node { id } } }
  duplicateRules { id }
  customers(first: 5, orderBy: [{createdAt: DESC}]) { edges { node { history { edges { node { id } } } } } }
}
"""
REACHED = {
    "Tenant",
    "Tag",
    "AutomationRule",
    "AutomationRun",
    "Notification",
    "WebhookEndpoint",
    "WebhookDelivery",
    "InboundEndpoint",
    "InboundRequest",
    "DuplicateRule",
    "AuditEvent",
}


def _ids(value) -> list[str]:
    """Every `id` in a GraphQL answer."""
    if isinstance(value, list):
        return [i for item in value for i in _ids(item)]
    if isinstance(value, dict):
        found = [value["id"]] if isinstance(value.get("id"), str) else []
        return found + [i for key, item in value.items() if key != "id" for i in _ids(item)]
    return []


@pytest.fixture
async def many_kinds(client, as_alpha):
    """Alpha data of many kinds: a tagged customer (with history) that a rule notified about, a
    webhook endpoint with a delivery, a form endpoint with a request."""
    admin = as_alpha["admin"]
    marker = f"node-{uuid.uuid4().hex[:8]}"
    receiver = Receiver()
    rule = await make_rule(
        client,
        admin,
        name=marker,
        object="Customer",
        trigger={"on": "created"},
        conditions={"field": "name", "op": "eq", "value": marker},
        actions=[{"type": "notify", "to": "owner", "title": marker}],
    )
    webhook = (
        await gql(
            client,
            "mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) "
            "{ endpoint { id } } }",
            {"i": {"url": receiver.url, "eventTypes": ["Nothing.created"]}},
            token=admin,
        )
    ).data["createWebhookEndpoint"]["endpoint"]["id"]
    form = (
        await gql(
            client,
            "mutation($i: CreateInboundEndpointInput!) { createInboundEndpoint(input: $i) "
            "{ endpoint { id path } } }",
            {
                "i": {
                    "name": marker,
                    "kind": "FORM",
                    "object": "Lead",
                    "mapping": {"fields": {"personName": "$.name"}},
                }
            },
            token=admin,
        )
    ).data["createInboundEndpoint"]["endpoint"]
    try:
        await gql(
            client,
            "mutation($i: WebhookEndpointRefInput!) { sendTestWebhook(input: $i) { id } }",
            {"i": {"id": webhook}},
            token=admin,
        )
        assert (await client.post(form["path"], data={"name": marker})).status_code == 202
        customer = await make_customer(client, admin, name=marker)
        await gql(
            client,
            "mutation($i: TagsInput!) { addTags(input: $i) }",
            {"i": {"recordId": customer["id"], "names": [marker]}},
            token=admin,
        )
        await deliver()
        yield
    finally:
        receiver.close()
        for mutation, ref in (
            ("deleteAutomationRule(input: {id: $id}) { id }", rule["id"]),
            ("deleteWebhookEndpoint(input: {id: $id}) { id }", webhook),
            ("deleteInboundEndpoint(input: {id: $id}) { id }", form["id"]),
        ):
            await gql(client, f"mutation($id: ID!) {{ {mutation} }}", {"id": ref}, token=admin)


async def test_every_id_handed_out_is_a_node_of_its_tenant_only(
    client, as_alpha, as_beta, many_kinds
):
    admin = as_alpha["admin"]
    ids = sorted(set(_ids((await gql(client, IDS, token=admin)).data)))
    answers = (await gql(client, NODES, {"ids": ids}, token=admin)).data["nodes"]
    assert [a and a["id"] for a in answers] == ids
    assert {a["__typename"] for a in answers} >= REACHED
    for global_id in ids[:: max(1, len(ids) // 40)]:
        assert (await gql(client, NODE, {"id": global_id}, token=admin)).data["node"]["id"] == (
            global_id
        )
    # Another tenant's ids are no nodes, whoever asks.
    beta = await gql(client, NODES, {"ids": ids}, token=as_beta["admin"])
    assert beta.data["nodes"] == [None] * len(ids)


async def test_a_role_that_may_not_read_a_kind_gets_null_not_an_error(client, as_alpha, many_kinds):
    """The run log, webhook and inbound logs are the admins'; a viewer asking for them by id gets
    null, as for an id that does not exist."""
    admin, viewer = as_alpha["admin"], as_alpha["viewer"]
    found = (
        await gql(
            client,
            "{ automationRuns(first: 1) { edges { node { id } } } "
            "webhookDeliveries(first: 1) { edges { node { id } } } "
            "inboundRequests(first: 1) { edges { node { id } } } }",
            token=admin,
        )
    ).data
    ids = _ids(found)
    assert len(ids) == 3
    response = await gql(client, NODES, {"ids": ids}, token=viewer)
    assert response.data["nodes"] == [None, None, None]
