"""Helpers for custom-object tests: a fresh object per test, fields, records and error codes."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from tests.support.graphql import GraphQLResponse, gql

_counter = itertools.count()

RECORD_FIELDS = (
    "id object values display version createdAt deletedAt owner { id } related { field id display }"
)
CREATE_OBJECT = "mutation($input: CreateObjectInput!) { createObject(input: $input) { apiName label version fields { apiName } } }"
CREATE_FIELD = (
    "mutation($input: CreateFieldInput!) { createField(input: $input) { id apiName type required unique "
    "readOnly defaultValue config validation position version } }"
)
CREATE_RECORD = (
    f"mutation($input: CreateRecordInput!) {{ createRecord(input: $input) {{ {RECORD_FIELDS} }} }}"
)
UPDATE_RECORD = (
    f"mutation($input: UpdateRecordInput!) {{ updateRecord(input: $input) {{ {RECORD_FIELDS} }} }}"
)
RECORDS = (
    "query($object: String!, $filter: RecordFilter, $orderBy: [RecordOrder!], $first: Int, $after: String) "
    "{ records(object: $object, filter: $filter, orderBy: $orderBy, first: $first, after: $after) "
    f"{{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {RECORD_FIELDS} }} }} }} }}"
)


def api_name(stem: str = "obj") -> str:
    return f"{stem}_{next(_counter)}_{uuid.uuid4().hex[:6]}"


async def make_object(
    client, token: str, fields: list[dict[str, Any]] = (), *, stem: str = "obj"
) -> str:
    name = api_name(stem)
    created = await gql(
        client,
        CREATE_OBJECT,
        {"input": {"apiName": name, "label": stem.title(), "pluralLabel": stem.title() + "s"}},
        token=token,
    )
    assert created.data["createObject"]["apiName"] == name
    for field in fields:
        await make_field(client, token, name, **field)
    return name


async def make_field(client, token: str, object_name: str, **field: Any) -> dict[str, Any]:
    response = await gql(
        client,
        CREATE_FIELD,
        {"input": {"object": object_name, "label": field["apiName"].title(), **field}},
        token=token,
    )
    return response.data["createField"]


async def create_record(
    client, token: str, object_name: str, values: dict[str, Any], **extra: Any
) -> GraphQLResponse:
    return await gql(
        client,
        CREATE_RECORD,
        {"input": {"object": object_name, "values": values, **extra}},
        token=token,
    )


async def list_records(client, token: str, object_name: str, **variables: Any) -> dict[str, Any]:
    return (await gql(client, RECORDS, {"object": object_name, **variables}, token=token)).data[
        "records"
    ]


def field_codes(response: GraphQLResponse) -> dict[str, str]:
    assert response.codes == ["BAD_USER_INPUT"], response.body
    return {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}
