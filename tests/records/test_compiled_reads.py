"""Compiled reads (api/records/compiled.py): a list whose selection compiles is answered by one
statement that builds its JSON in PostgreSQL, and that answer is exactly graphql-core's, where
every field and relation runs its resolver. Every list of records in the schema, as admin,
member and agent (custom fields hidden from some, related records missing, deleted or not
visible), with pages, filters on another tenant's ids and selections that do not compile."""

from __future__ import annotations

from typing import Any

import graphql
import pytest

from api.records.record import plain_attributes
from api.records.relations import relations_of
from api.schema import schema
from tests.crm.test_list_relations import standard  # noqa: F401 - the graphql-core executor's API
from tests.crm.test_query_counts import counting_statements
from tests.records.test_relations import (
    REQUIRED_ARGUMENTS,
    ROLES,
    records_of_every_type,
    tenant_with_roles,
)
from tests.support.graphql import gql

SDL = graphql.build_schema(schema.as_str())
TENANT = "compiled"
COMPILED_SCALARS = {"String", "Int", "Boolean", "Decimal", "Date", "DateTime"}


def _class(type_name: str) -> Any:
    return getattr(schema.get_type_by_name(type_name), "origin", None)


def _plain(type_name: str) -> list[str]:
    """The fields of a type that show a column as it is, of the scalars compiled reads write."""
    cls = _class(type_name)
    if cls is None:
        return []
    by_python = {f.python_name: f for f in cls.__strawberry_definition__.fields}
    object_type = SDL.get_type(type_name)
    names = [schema.config.name_converter.from_field(by_python[a]) for a in plain_attributes(cls)]
    return [
        name
        for name in names
        if graphql.get_named_type(object_type.fields[name].type).name in COMPILED_SCALARS
    ]


def record_lists() -> list[tuple[str, str]]:
    """(Query field, node type) of every root list of records."""
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
        if _class(node.name) is not None and hasattr(_class(node.name), "SPEC"):
            found.append((name, node.name))
    return found


LISTS = record_lists()


def selection(type_name: str) -> str:
    """The id, the plain columns and each to-one relation's id and plain columns."""
    parts = ["id", "__typename", *_plain(type_name)]
    object_type = SDL.get_type(type_name)
    relations = relations_of(_class(type_name), schema.config.name_converter.from_field)
    for name, relation in relations.items():
        if relation.type is None:
            continue
        target = graphql.get_named_type(object_type.fields[name].type).name
        parts.append(f"{name} {{ {' '.join(['id', '__typename', *_plain(target)])} }}")
    return " ".join(parts)


def document(list_name: str, type_name: str, arguments: str = "first: 100") -> str:
    required = REQUIRED_ARGUMENTS.get(list_name)
    if required:
        arguments += f", {required}: ${required}"
    variables = f"(${required}: String!)" if required else ""
    return (
        f"query{variables} {{ {list_name}({arguments}) {{ totalCount __typename "
        f"pageInfo {{ hasNextPage hasPreviousPage }} edges {{ node {{ {selection(type_name)} }} }} }} }}"
    )


async def _both(client, standard, query, variables, token, monkeypatch):  # noqa: F811
    """(answer of the compiled path, its statements, answer of graphql-core's executor)."""
    with counting_statements(monkeypatch) as statements:
        compiled = await gql(client, query, variables, token=token)
    monkeypatch.undo()
    reference = await gql(standard, query, variables, token=token)
    return compiled, statements, reference


def _compiled(statements: list[str]) -> bool:
    """Whether the list was answered by its compiled statement alone (no page of rows, no
    relation's lookup after it)."""
    return any("json_agg" in statement for statement in statements) and not any(
        statement.startswith("SELECT t.tenant_id, t.id") for statement in statements
    )


@pytest.fixture(scope="module")
async def tokens(client) -> dict[str, str]:
    return await tenant_with_roles(client, TENANT)


@pytest.fixture(scope="module")
async def data(client, tokens) -> dict[str, Any]:
    return await records_of_every_type(client, tokens)


def test_the_lists_of_records_are_found():
    assert {"customers", "contacts", "leads", "opportunities", "tickets", "activities"} <= {
        name for name, _ in LISTS
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("list_name", "type_name"), LISTS, ids=[name for name, _ in LISTS])
async def test_a_compiled_list_answers_as_its_resolvers_would(
    client,
    standard,  # noqa: F811
    tokens,
    data,
    monkeypatch,
    list_name,
    type_name,
    role,
):
    query = document(list_name, type_name)
    compiled, statements, reference = await _both(
        client, standard, query, {"object": data["object"]}, tokens[role], monkeypatch
    )
    assert compiled.body == reference.body
    if list_name != "records":  # custom records' lists have their own resolver (not compiled)
        assert _compiled(statements), statements
    if role == "admin":
        assert compiled.data[list_name]["edges"]


async def test_pages_follow_one_another_as_on_the_resolver_path(
    client,
    standard,  # noqa: F811
    tokens,
    data,
    monkeypatch,
):
    first_page = await gql(
        standard,
        "{ customers(first: 1) { pageInfo { endCursor } } }",
        token=tokens["admin"],
    )
    after = first_page.data["customers"]["pageInfo"]["endCursor"]
    query = document("customers", "Customer", f'first: 1, after: "{after}"')
    compiled, statements, reference = await _both(
        client, standard, query, {}, tokens["admin"], monkeypatch
    )
    assert compiled.body == reference.body and _compiled(statements)
    assert compiled.data["customers"]["pageInfo"]["hasPreviousPage"] is True


async def test_another_tenants_ids_find_nothing(
    client,
    standard,  # noqa: F811
    tokens,
    data,
    as_alpha,
    monkeypatch,
):
    """A filter on ids of another tenant's records answers an empty page, compiled or not."""
    theirs = await gql(
        client, "{ opportunities(first: 5) { edges { node { id } } } }", token=tokens["admin"]
    )
    ids = [edge["node"]["id"] for edge in theirs.data["opportunities"]["edges"]]
    assert ids
    query = document("opportunities", "Opportunity", "first: 10, filter: {id: {in: $ids}}").replace(
        "query {", "query($ids: [ID!]) {"
    )
    for token in as_alpha.values():
        compiled, statements, reference = await _both(
            client, standard, query, {"ids": ids}, token, monkeypatch
        )
        assert compiled.body == reference.body and _compiled(statements)
        assert compiled.data["opportunities"]["edges"] == []
        assert compiled.data["opportunities"]["totalCount"] == 0


@pytest.mark.parametrize(
    "query",
    [
        # Cursors are encoded in Python; custom fields, enums and computed fields are not compiled.
        "{ opportunities(first: 5) { edges { cursor node { id name } } } }",
        "{ opportunities(first: 5) { edges { node { id customFields } } } }",
        "{ opportunities(first: 5) { edges { node { id probability } } } }",
        "{ opportunities(first: 5) { edges { node { ...F } } } } fragment F on Opportunity { id name }",
        "{ opportunities(first: 5) { edges { node { id name @include(if: true) } } } }",
        "{ customers(first: 5) { edges { node { id contacts(first: 2) { edges { node { id } } } } } } }",
    ],
)
async def test_what_does_not_compile_takes_the_resolver_path(
    client,
    standard,  # noqa: F811
    tokens,
    data,
    monkeypatch,
    query,
):
    for role in ROLES:
        compiled, statements, reference = await _both(
            client, standard, query, {}, tokens[role], monkeypatch
        )
        assert compiled.body == reference.body
        assert not _compiled(statements)


async def test_a_filter_on_a_hidden_field_is_refused_as_on_the_resolver_path(
    client,
    standard,  # noqa: F811
    tokens,
    data,
    monkeypatch,
):
    query = document(
        "customers",
        "Customer",
        'first: 10, filter: {customFields: {field: "secret", eq: "s3cret"}}',
    )
    for role in ROLES:
        compiled, _, reference = await _both(client, standard, query, {}, tokens[role], monkeypatch)
        assert compiled.body == reference.body
