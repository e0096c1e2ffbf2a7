"""Every list whose nodes have to-one relations (standard records, custom records) answers on the
planned executor exactly as graphql-core's executor answers, where each relation runs its own
resolver: role by role, with custom fields hidden from some roles, with related records that are
missing, deleted or not visible. The documents are made from the schema, so a new list or a new
relation is covered without a new test; and the planned executor takes the shortcuts the
executor's contract promises on every field of them (a strawberry upgrade that turns them off
fails here, see docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import graphql
import pytest
from strawberry import relay

from api.execution import FastExecutor, Prefetched
from api.execution.plan import ATTRIBUTE, GENERIC, RELAY_ID, RESOLVER, TYPENAME
from api.records.record import plain_attributes
from api.records.relations import Relation, relations_of
from api.schema import schema
from tests.crm.test_list_relations import standard  # noqa: F401 - the graphql-core executor's API
from tests.support import cli
from tests.support.custom import make_field, make_object
from tests.support.graphql import gql, login

TENANT = "relations"
PASSWORD = "relations-password"
ROLES = ("admin", "member", "agent")
# Lists that take arguments they cannot do without.
REQUIRED_ARGUMENTS = {"records": "object"}
# Lists with relations the data below must reach; the schema may add more, never have fewer.
KNOWN = {
    "customers",
    "contacts",
    "teams",
    "leads",
    "opportunities",
    "tickets",
    "activities",
    "records",
}
SDL = graphql.build_schema(schema.as_str())


@dataclass(frozen=True)
class ListField:
    name: str  # the Query field
    node: graphql.GraphQLObjectType
    relations: dict[str, Relation]


def _strawberry_class(type_name: str) -> Any:
    return schema.get_type_by_name(type_name).origin  # type: ignore[union-attr]


def _relations(type_name: str) -> dict[str, Relation]:
    definition = schema.get_type_by_name(type_name)
    origin = getattr(definition, "origin", None)
    return (
        relations_of(origin, schema.config.name_converter.from_field) if origin is not None else {}
    )


def lists_with_relations() -> list[ListField]:
    found = []
    for name, field in SDL.query_type.fields.items():
        connection = graphql.get_named_type(field.type)
        if (
            not isinstance(connection, graphql.GraphQLObjectType)
            or "edges" not in connection.fields
        ):
            continue
        edge = graphql.get_named_type(connection.fields["edges"].type)
        node = graphql.get_named_type(edge.fields["node"].type)
        if relations := _relations(node.name):
            found.append(ListField(name, node, relations))
    return found


LISTS = lists_with_relations()


def _leaves(object_type: graphql.GraphQLObjectType) -> list[str]:
    return [
        name
        for name, field in object_type.fields.items()
        if not field.args and graphql.is_leaf_type(graphql.get_named_type(field.type))
    ]


def _narrow(type_name: str) -> str:
    """What a narrow copy can answer: the id and the plain columns."""
    cls = _strawberry_class(type_name)
    converter = schema.config.name_converter
    by_python = {f.python_name: f for f in cls.__strawberry_definition__.fields}
    return " ".join(
        ["id", "__typename", *(converter.from_field(by_python[a]) for a in plain_attributes(cls))]
    )


def _wide(object_type: graphql.GraphQLObjectType) -> str:
    """Every leaf (computed ones too) and the id of each relation: whole rows for the loaders."""
    nested = [
        f"{name} {{ id }}" for name, r in _relations(object_type.name).items() if r.type is not None
    ]
    return " ".join([*_leaves(object_type), *nested])


def document(listed: ListField, width: str) -> str:
    parts = list(_leaves(listed.node))
    for name, relation in listed.relations.items():
        if relation.type is None:
            continue  # computed from the related row: a leaf, selected above
        target = graphql.get_named_type(listed.node.fields[name].type)
        parts.append(f"{name} {{ {_narrow(target.name) if width == 'narrow' else _wide(target)} }}")
    required = REQUIRED_ARGUMENTS.get(listed.name)
    arguments = "first: 100" + (f", {required}: ${required}" if required else "")
    variables = f"(${required}: String!)" if required else ""
    return f"query{variables} {{ {listed.name}({arguments}) {{ edges {{ node {{ {' '.join(parts)} }} }} }} }}"


@pytest.fixture(scope="module")
async def tokens(client) -> dict[str, str]:
    return await tenant_with_roles(client, TENANT)


async def tenant_with_roles(client, tenant: str) -> dict[str, str]:
    """A tenant of its own (its hidden fields touch no other test), with an admin, a member and
    an agent: their access tokens."""
    cli.ok(
        await cli.arun(
            "tenant",
            "create",
            tenant,
            "--name",
            tenant.title(),
            "--admin-email",
            f"admin@{tenant}.test",
            "--admin-password",
            PASSWORD,
        )
    )
    for role in ("member", "agent"):
        cli.ok(
            await cli.arun(
                "user",
                "add",
                "--tenant",
                tenant,
                "--email",
                f"{role}@{tenant}.test",
                "--password",
                PASSWORD,
                "--role",
                role,
            )
        )
    return {
        role: (await login(client, tenant, f"{role}@{tenant}.test", PASSWORD))["accessToken"]
        for role in ROLES
    }


async def _create(client, token: str, mutation: str, values: dict[str, Any]) -> dict[str, Any]:
    name = mutation[0].upper() + mutation[1:]
    response = await gql(
        client,
        f"mutation($i: {name}Input!) {{ {mutation}(input: $i) {{ id }} }}",
        {"i": values},
        token=token,
    )
    return response.data[mutation]


@pytest.fixture(scope="module")
async def data(client, tokens) -> dict[str, Any]:
    return await records_of_every_type(client, tokens)


async def records_of_every_type(client, tokens: dict[str, str]) -> dict[str, Any]:
    """Records of every listed type, each relation set on some (to records the member can and
    cannot see, and to deleted ones), and a custom field on every standard type hidden from
    members and agents."""
    admin = tokens["admin"]
    ids = {
        role: (await gql(client, "{ me { id } }", token=token)).data["me"]["id"]
        for role, token in tokens.items()
    }
    for standard_type in ("Customer", "Contact", "Lead", "Opportunity", "Ticket"):
        for field in ("secret", "note"):
            await make_field(client, admin, standard_type, apiName=field, type="TEXT")
        for role in ("MEMBER", "AGENT"):
            await gql(
                client,
                "mutation($i: SetFieldAccessInput!) { setFieldAccess(input: $i) { field } }",
                {
                    "i": {
                        "object": standard_type,
                        "field": "customFields.secret",
                        "role": role,
                        "access": "HIDDEN",
                    }
                },
                token=admin,
            )
    gadget = await make_object(
        client,
        admin,
        [dict(apiName="secret", type="TEXT"), dict(apiName="label", type="TEXT")],
        stem="gadget",
    )
    await gql(
        client,
        "mutation($i: SetFieldAccessInput!) { setFieldAccess(input: $i) { field } }",
        {"i": {"object": gadget, "field": "secret", "role": "MEMBER", "access": "HIDDEN"}},
        token=admin,
    )
    custom = {"secret": "s3cret", "note": "plain"}
    member, agent = ids["member"], ids["agent"]

    team = await _create(
        client, admin, "createTeam", {"name": "Sales", "managerId": member, "memberIds": [member]}
    )
    campaign = await _create(client, admin, "createCampaign", {"name": "Fair", "channel": "EVENT"})
    shared = await _create(
        client,
        admin,
        "createCustomer",
        {
            "name": "Shared",
            "ownerId": member,
            "teamId": team["id"],
            "tier": "gold",
            "customFields": custom,
        },
    )
    private = await _create(
        client,
        admin,
        "createCustomer",
        {"name": "Private", "ownerId": ids["admin"], "customFields": custom},
    )
    contact = await _create(
        client,
        admin,
        "createContact",
        {
            "name": "Ann",
            "customerId": shared["id"],
            "ownerId": member,
            "teamId": team["id"],
            "title": "CTO",
            "customFields": custom,
        },
    )
    gone = await _create(
        client,
        admin,
        "createContact",
        {"name": "Gone", "customerId": private["id"], "ownerId": agent},
    )
    lead = await _create(
        client,
        admin,
        "createLead",
        {
            "personName": "Lee",
            "companyName": "Lee Ltd",
            "campaignId": campaign["id"],
            "ownerId": member,
            "teamId": team["id"],
            "customFields": custom,
        },
    )
    await _create(client, admin, "createLead", {"personName": "Other", "ownerId": ids["admin"]})
    await gql(
        client,
        "mutation($i: ConvertLeadInput!) { convertLead(input: $i) { id } }",
        {
            "i": {
                "leadId": lead["id"],
                "createOpportunity": True,
                "opportunity": {"name": "From Lee"},
            }
        },
        token=admin,
    )
    deal = await _create(
        client,
        admin,
        "createOpportunity",
        {
            "name": "Big",
            "customerId": shared["id"],
            "primaryContactId": contact["id"],
            "campaignId": campaign["id"],
            "ownerId": member,
            "teamId": team["id"],
            "amount": "100.00",
            "customFields": custom,
        },
    )
    await _create(
        client,
        admin,
        "createOpportunity",
        {"name": "Fixed", "customerId": private["id"], "ownerId": member, "probability": 30},
    )
    await _create(
        client,
        admin,
        "createTicket",
        {
            "subject": "Broken",
            "customerId": shared["id"],
            "contactId": contact["id"],
            "assigneeId": member,
            "teamId": team["id"],
            "customFields": custom,
        },
    )
    await _create(
        client,
        admin,
        "createTicket",
        {
            "subject": "Lost",
            "customerId": private["id"],
            "contactId": gone["id"],
            "assigneeId": agent,
        },
    )
    for record, owner in ((shared, member), (deal, ids["admin"])):
        await _create(
            client,
            admin,
            "logActivity",
            {"recordId": record["id"], "kind": "TASK", "subject": "Call", "ownerId": owner},
        )
    for owner in (member, ids["admin"]):
        await gql(
            client,
            "mutation($i: CreateRecordInput!) { createRecord(input: $i) { id } }",
            {
                "i": {
                    "object": gadget,
                    "values": {"secret": "x", "label": "y"},
                    "ownerId": owner,
                    "teamId": team["id"],
                }
            },
            token=admin,
        )
    await gql(
        client,
        "mutation($id: ID!) { deleteContact(input: {id: $id}) { id } }",
        {"id": gone["id"]},
        token=admin,
    )
    return {"object": gadget}


def _cases() -> list[Any]:
    return [
        pytest.param(listed, width, role, id=f"{listed.name}-{width}-{role}")
        for listed in LISTS
        for width in ("narrow", "wide")
        for role in ROLES
    ]


def test_every_known_list_with_relations_is_walked():
    assert KNOWN <= {listed.name for listed in LISTS}


@pytest.mark.parametrize(("listed", "width", "role"), _cases())
async def test_a_list_answers_as_its_resolvers_would(
    client,
    standard,  # noqa: F811  (the fixture of that name, imported above)
    tokens,
    data,
    listed,
    width,
    role,
):
    query = document(listed, width)
    variables = {"object": data["object"]}
    fast = await gql(client, query, variables, token=tokens[role])
    reference = await gql(standard, query, variables, token=tokens[role])
    assert fast.body == reference.body
    if role == "admin":  # the data reaches every relation of the list
        nodes = [edge["node"] for edge in fast.data[listed.name]["edges"]]
        unset = [
            name
            for name, r in listed.relations.items()
            if not any(node[name] is not None for node in nodes)
        ]
        assert nodes and unset == []


def _expected(parent: graphql.GraphQLObjectType, name: str) -> tuple[int, str | None]:
    """What the executor's contract promises for a field selected without arguments
    (api/execution/__init__.py), from the field's strawberry definition."""
    if name == "__typename":
        return TYPENAME, None
    cls = _strawberry_class(parent.name)
    field = next(
        f
        for f in cls.__strawberry_definition__.fields
        if schema.config.name_converter.from_field(f) == name
    )
    if name == "id" and issubclass(cls, relay.Node):
        return RELAY_ID, None
    if field.is_basic_field:
        return ATTRIBUTE, None
    if field.arguments or field.extensions:
        return GENERIC, None
    return RESOLVER, name if issubclass(cls, Prefetched) else None


async def test_every_field_of_the_lists_takes_its_shortcut(client, tokens, data, monkeypatch):
    planned: dict[tuple[str, str], tuple[int, str | None]] = {}
    plan_fields = FastExecutor.plan_fields

    def recording(self, parent_type, grouped_field_set):
        plan = plan_fields(self, parent_type, grouped_field_set)
        planned.update({(parent_type.name, f.name): (f.source, f.prefetch_key) for f in plan})
        return plan

    monkeypatch.setattr(FastExecutor, "plan_fields", recording)
    for listed in LISTS:
        for width in ("narrow", "wide"):
            assert (
                await gql(
                    client,
                    document(listed, width),
                    {"object": data["object"]},
                    token=tokens["admin"],
                )
            ).data
    monkeypatch.undo()

    relations = {(listed.node.name, name) for listed in LISTS for name in listed.relations}
    assert relations <= planned.keys()  # the relations were planned at all (shortcuts on)
    wrong = {
        key: got
        for key, got in planned.items()
        if key[0] != "Query" and got != _expected(SDL.get_type(key[0]), key[1])
    }
    assert wrong == {}
    assert all(
        planned[key] == (RESOLVER, key[1]) for key in relations
    )  # each relation may come prefetched
