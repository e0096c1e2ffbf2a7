"""Input refused at the edge: text PostgreSQL cannot store (NUL characters, unpaired surrogates)
in any argument, and documents the GraphQL grammar does not allow (empty selection sets)."""

from __future__ import annotations

import json
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
    is_composite_type,
)

from tests.support.graphql import GraphQLResponse, api_schema, gql
from tests.support.records import make_customer, unique

NUL = "a\u0000b"
TEXT_SCALARS = {
    "String": "x",
    "ID": "x",
    "JSON": {},
    "Decimal": "1",
    "Date": "2024-01-01",
    "DateTime": "2024-01-01T00:00:00Z",
}
OTHER_SCALARS = {"Int": 1, "Float": 1.5, "Boolean": True}
CHUNK = 20  # the edge reports at most 20 field errors per operation


def text_errors(response) -> set[str]:
    assert response.codes == ["BAD_USER_INPUT"], response.body
    errors = response.errors[0]["extensions"]["fieldErrors"]
    assert {error["code"] for error in errors} == {"INVALID_TEXT"}
    return {error["field"] for error in errors}


async def escaped(client, query: str, variables: dict[str, Any], token: str) -> GraphQLResponse:
    """As gql, with the JSON written in ASCII escapes, as clients write unpaired surrogates."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    response = await client.post(
        "/graphql",
        content=body,
        headers={"content-type": "application/json", "Authorization": f"Bearer {token}"},
    )
    return GraphQLResponse(response.status_code, response.json(), response.headers)


async def test_a_nul_character_in_an_input_is_a_field_error_and_nothing_is_written(
    client, as_alpha
):
    admin = as_alpha["admin"]
    count = "{ customers { totalCount } }"
    before = (await gql(client, count, token=admin)).data["customers"]["totalCount"]

    literal = await gql(
        client, 'mutation { createCustomer(input: {name: "a\\u0000b"}) { id } }', token=admin
    )
    variables = await gql(
        client,
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }",
        {"i": {"name": "Fine", "industry": NUL}},
        token=admin,
    )

    assert text_errors(literal) == {"name"}
    assert text_errors(variables) == {"industry"}
    assert (await gql(client, count, token=admin)).data["customers"]["totalCount"] == before


async def test_filters_searches_and_lookups_refuse_nul_and_unpaired_surrogates(client, as_alpha):
    admin = as_alpha["admin"]
    cases = [
        (
            "query($v: String) { customers(filter: {name: {eq: $v}}) { totalCount } }",
            "filter.name.eq",
        ),
        (
            "query($v: String) { customers(filter: {name: {like: $v}}) { totalCount } }",
            "filter.name.like",
        ),
        ("query($v: String) { members(search: $v) { totalCount } }", "search"),
        (
            'query($v: String!) { recordByExternalId(object: "Customer", system: "erp", externalId: $v) { id } }',
            "externalId",
        ),
    ]
    for query, field in cases:
        for bad in (NUL, "\ud800", "x\udfff"):
            assert text_errors(await escaped(client, query, {"v": bad}, token=admin)) == {field}, (
                query,
                bad,
            )


async def test_texts_inside_json_values_and_their_keys_are_checked(client, as_alpha):
    admin = as_alpha["admin"]
    create = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }"

    in_value = await gql(
        client,
        create,
        {"i": {"name": "J", "customFields": {"notes": ["ok", {"deep": NUL}]}}},
        token=admin,
    )
    in_key = await gql(
        client, create, {"i": {"name": "J", "customFields": {"bad\u0000key": 1}}}, token=admin
    )

    assert text_errors(in_value) == {"customFields.notes.1.deep"}
    assert text_errors(in_key) == {"customFields.bad\ufffdkey"}


async def test_a_variable_default_is_checked_too(client, as_alpha):
    response = await gql(
        client,
        'query($v: String = "a\\u0000b") { members(search: $v) { totalCount } }',
        token=as_alpha["admin"],
    )
    assert text_errors(response) == {"search"}


async def test_good_text_passes(client, as_alpha):
    customer = await make_customer(client, as_alpha["admin"], name=unique("Zoë 支道 \U0001f600"))
    assert "\U0001f600" in customer["name"]


def _sample(
    type_: GraphQLInputType,
    path: tuple[str, ...],
    poisoned: set[tuple[str, ...]],
    seen: frozenset[str],
) -> Any:
    """A value of `type_` with NUL text at the `poisoned` paths and plain values elsewhere."""
    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type, path, poisoned, seen)
    if isinstance(type_, GraphQLList):
        return [_sample(type_.of_type, (*path, "0"), poisoned, seen)]
    if isinstance(type_, GraphQLScalarType):
        if type_.name in TEXT_SCALARS:
            return NUL if path in poisoned else TEXT_SCALARS[type_.name]
        return OTHER_SCALARS[type_.name]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLInputObjectType)
    return {
        name: _sample(field.type, (*path, name), poisoned, seen | {type_.name})
        for name, field in type_.fields.items()
        if get_named_type(field.type).name not in seen
    }


def _text_paths(
    type_: GraphQLInputType, path: tuple[str, ...], seen: frozenset[str]
) -> list[tuple[str, ...]]:
    """Every place a text can go in a value of `type_` (recursive inputs such as and/or/not once)."""
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        path = (*path, "0") if isinstance(type_, GraphQLList) else path
        type_ = type_.of_type
    if isinstance(type_, GraphQLScalarType):
        return [path] if type_.name in TEXT_SCALARS else []
    if isinstance(type_, GraphQLEnumType) or type_.name in seen:
        return []
    return [
        p
        for name, field in type_.fields.items()
        for p in _text_paths(field.type, (*path, name), seen | {type_.name})
    ]


def _field_name(path: tuple[str, ...]) -> str:
    return ".".join(path[1:] if path[0] == "input" else path)


async def test_every_text_of_every_argument_of_every_root_field_is_checked(client, as_alpha):
    """Walks the schema: a new field or argument is covered without a test of its own."""
    graphql_schema = api_schema()
    checked = 0
    for kind, root in (
        ("query", graphql_schema.query_type),
        ("mutation", graphql_schema.mutation_type),
    ):
        for name, field in root.fields.items():
            selection = " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
            definitions = ", ".join(
                f"${arg}: {argument.type}" for arg, argument in field.args.items()
            )
            arguments = ", ".join(f"{arg}: ${arg}" for arg in field.args)
            document = f"{kind}({definitions}) {{ {name}({arguments}){selection} }}"
            for arg, argument in field.args.items():
                paths = _text_paths(argument.type, (arg,), frozenset())
                for start in range(0, len(paths), CHUNK):
                    poisoned = set(paths[start : start + CHUNK])
                    variables = {
                        other: _sample(
                            a.type, (other,), poisoned if other == arg else set(), frozenset()
                        )
                        for other, a in field.args.items()
                    }
                    response = await gql(client, document, variables, token=as_alpha["admin"])
                    assert text_errors(response) == {_field_name(p) for p in poisoned}, (
                        name,
                        json.dumps(variables)[:300],
                    )
                    checked += len(poisoned)
    assert checked > 1000  # every input field of the schema, once


async def test_an_empty_selection_set_is_a_syntax_error(client, as_alpha):
    response = await gql(client, "{ me { } }", token=as_alpha["admin"])
    assert response.codes == ["BAD_USER_INPUT"]
    assert "Syntax Error" in response.errors[0]["message"]
