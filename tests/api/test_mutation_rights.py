"""Every mutation's right and scope come from one table (api/mutation_rights.py): no mutation is
without an entry, and no read-only credential can call any mutation."""

from __future__ import annotations

import base64
import uuid

import pytest
import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)
from strawberry.utils.str_converters import to_camel_case

from api.mutation_rights import (
    MUTATION_RIGHTS,
    MissingMutationRight,
    OwnState,
    Public,
    guard_mutations,
)
from api.schema import schema
from tests.support import cli
from tests.support.graphql import gql, login
from tests.support.records import scoped_token

PASSWORD = "correct-horse-battery"
READ_ONLY_SCOPES = ("crm:read", "tickets:read", "admin:read")
MUTATIONS = schema._schema.mutation_type.fields  # the GraphQL schema clients see


def _global_id() -> str:
    return base64.b64encode(f"Customer:{uuid.uuid4()}".encode()).decode()


_SCALARS = {
    "ID": _global_id,
    "GlobalID": _global_id,
    "String": lambda: "x",
    "Int": lambda: 1,
    "Float": lambda: 1.0,
    "Boolean": lambda: True,
    "JSON": dict,
    "Decimal": lambda: "1",
    "Date": lambda: "2026-01-01",
    "DateTime": lambda: "2026-01-01T00:00:00Z",
}


def _value(type_):  # GraphQL types
    """A minimal value of a GraphQL input type: well formed, meaningless."""
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [_value(type_.of_type)]
    if isinstance(type_, GraphQLScalarType):
        return _SCALARS[type_.name]()
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLInputObjectType)
    return {
        name: _value(field.type)
        for name, field in type_.fields.items()
        if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
    }


def _call(alias: str, name: str) -> tuple[str, list[str], dict]:
    """(selection, variable definitions, variables) of one call of mutation `name`."""
    field = MUTATIONS[name]
    definitions, arguments, variables = [], [], {}
    for arg_name, arg in field.args.items():
        if not isinstance(arg.type, GraphQLNonNull):
            continue
        variable = f"{alias}_{arg_name}"
        definitions.append(f"${variable}: {arg.type}")
        arguments.append(f"{arg_name}: ${variable}")
        variables[variable] = _value(arg.type)
    selection = " { __typename }" if hasattr(get_named_type(field.type), "fields") else ""
    args = f"({', '.join(arguments)})" if arguments else ""
    return f"{alias}: {name}{args}{selection}", definitions, variables


async def _codes(client, token: str, names: list[str]) -> dict[str, list[str]]:
    """Each mutation's error codes, one request each (a failed mutation ends its operation)."""
    codes = {}
    for name in names:
        selection, definitions, variables = _call("call", name)
        header = f"({', '.join(definitions)})" if definitions else ""
        codes[name] = (
            await gql(client, f"mutation{header} {{ {selection} }}", variables, token=token)
        ).codes
    return codes


@pytest.fixture(scope="module")
async def rights_tenant(client):
    """A tenant of its own: no custom object here gives a viewer more than the default rights."""
    cli.ok(
        await cli.arun(
            "tenant",
            "create",
            "rights",
            "--name",
            "Rights",
            "--admin-email",
            "admin@rights.test",
            "--admin-password",
            PASSWORD,
        )
    )
    cli.ok(
        await cli.arun(
            "user",
            "add",
            "--tenant",
            "rights",
            "--email",
            "viewer@rights.test",
            "--password",
            PASSWORD,
            "--role",
            "viewer",
        )
    )
    admin = (await login(client, "rights", "admin@rights.test", PASSWORD))["accessToken"]
    await gql(
        client,
        'mutation { createObject(input: {apiName: "gadget", label: "Gadget", pluralLabel: "Gadgets"}) { id } }',
        token=admin,
    )
    viewer = (await login(client, "rights", "viewer@rights.test", PASSWORD))["accessToken"]
    return {"admin": admin, "viewer": viewer}


def test_every_mutation_has_exactly_one_entry():
    names = set(MUTATIONS)
    assert names - set(MUTATION_RIGHTS) == set(), "mutations without an entry"
    assert set(MUTATION_RIGHTS) - names == set(), "entries of mutations that do not exist"


def test_a_mutation_without_an_entry_stops_the_schema_from_building():
    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def launch_rocket(self) -> bool:
            return True

    with pytest.raises(MissingMutationRight, match="launchRocket"):
        guard_mutations(Mutation, rights={})
    assert (
        guard_mutations(Mutation, rights={to_camel_case("launch_rocket"): OwnState()}) is Mutation
    )


async def test_a_viewer_can_call_no_mutation_but_those_of_its_own_state(client, rights_tenant):
    checked = [
        name for name, need in MUTATION_RIGHTS.items() if not isinstance(need, (Public, OwnState))
    ]
    codes = await _codes(client, rights_tenant["viewer"], checked)
    assert {name: found for name, found in codes.items() if found != ["FORBIDDEN"]} == {}
    own = await _codes(client, rights_tenant["viewer"], ["markNotificationsRead"])
    assert own == {"markNotificationsRead": []}


@pytest.mark.parametrize("scope", READ_ONLY_SCOPES)
async def test_a_read_only_token_can_call_no_mutation(client, rights_tenant, scope):
    token = await scoped_token(client, rights_tenant["admin"], [scope])
    checked = [name for name, need in MUTATION_RIGHTS.items() if not isinstance(need, Public)]
    codes = await _codes(client, token, checked)
    assert {name: found for name, found in codes.items() if found != ["FORBIDDEN"]} == {}


async def test_a_viewer_and_read_only_tokens_cannot_complete_a_task(client, rights_tenant):
    admin = rights_tenant["admin"]
    customer = await gql(
        client,
        'mutation { createCustomer(input: {name: "Task target", ownerId: null}) { id } }',
        token=admin,
    )
    task = await gql(
        client,
        "mutation($input: LogActivityInput!) { logActivity(input: $input) { id version } }",
        {
            "input": {
                "recordId": customer.data["createCustomer"]["id"],
                "kind": "TASK",
                "subject": "Call",
                "ownerId": None,
            }
        },
        token=admin,
    )
    task_id = task.data["logActivity"]["id"]
    complete = "mutation($id: ID!) { completeTask(input: {id: $id, version: 1, done: true}) { version doneAt } }"
    tokens = [
        rights_tenant["viewer"],
        *[await scoped_token(client, admin, [scope]) for scope in READ_ONLY_SCOPES],
    ]
    for token in tokens:
        assert (await gql(client, complete, {"id": task_id}, token=token)).codes == ["FORBIDDEN"]
    node = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Activity { version doneAt } } }",
        {"id": task_id},
        token=admin,
    )
    assert node.data["node"] == {"version": 1, "doneAt": None}
    writer = await scoped_token(client, admin, ["crm:write"])
    assert (await gql(client, complete, {"id": task_id}, token=writer)).data["completeTask"][
        "version"
    ] == 2
