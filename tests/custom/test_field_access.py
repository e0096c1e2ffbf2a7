"""Field-level rights: a field hidden from a role is absent from every read path (lists, node,
mutation results, history) and cannot be filtered or sorted on; a read-only one cannot be written."""

from __future__ import annotations

from tests.support.custom import (
    RECORDS,
    UPDATE_RECORD,
    api_name,
    create_record,
    field_codes,
    list_records,
    make_field,
    make_object,
)
from tests.support.graphql import gql
from tests.support.records import make_customer

SET = (
    "mutation($input: SetFieldAccessInput!) { setFieldAccess(input: $input) { field role access } }"
)
NODE = "query($id: ID!) { node(id: $id) { ... on CustomRecord { values history { edges { node { changes } } } } } }"


async def _restrict(client, admin, object_name, field, role, access):
    response = await gql(
        client,
        SET,
        {"input": {"object": object_name, "field": field, "role": role, "access": access}},
        token=admin,
    )
    return response.data["setFieldAccess"]


async def test_a_hidden_custom_field_is_gone_from_every_read_path(client, as_alpha):
    admin, member = as_alpha["admin"], as_alpha["member"]
    name = await make_object(
        client, admin, [dict(apiName="title", type="TEXT"), dict(apiName="salary", type="DECIMAL")]
    )
    rules = await _restrict(client, admin, name, "salary", "MEMBER", "HIDDEN")
    assert rules == [{"field": "salary", "role": "member", "access": "HIDDEN"}]

    created = await create_record(client, member, name, {"title": "Mine"})
    assert created.data["createRecord"]["values"] == {"title": "Mine"}
    record = created.data["createRecord"]
    await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 1, "values": {"salary": "9000"}}},
        token=admin,
    )

    assert (await gql(client, NODE, {"id": record["id"]}, token=admin)).data["node"]["values"][
        "salary"
    ] == "9000.00"
    seen = (await gql(client, NODE, {"id": record["id"]}, token=member)).data["node"]
    assert seen["values"] == {"title": "Mine"}
    assert all("salary" not in e["node"]["changes"] for e in seen["history"]["edges"])
    listed = await list_records(client, member, name)
    assert [e["node"]["values"] for e in listed["edges"]] == [{"title": "Mine"}]

    probe = await gql(
        client, RECORDS, {"object": name, "filter": {"field": "salary", "gt": 1000}}, token=member
    )
    assert field_codes(probe) == {
        "filter.salary": "NOT_FILTERABLE"
    }  # no guessing values by filtering
    sort = await gql(
        client, RECORDS, {"object": name, "orderBy": [{"field": "salary"}]}, token=member
    )
    assert field_codes(sort) == {"orderBy.salary": "NOT_SORTABLE"}
    counts = await gql(
        client,
        'query($o: String!) { recordCounts(object: $o, field: "salary") { count } }',
        {"o": name},
        token=member,
    )
    assert field_codes(counts) == {"field": "NOT_GROUPABLE"}
    write = await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 2, "values": {"salary": "1"}}},
        token=member,
    )
    assert field_codes(write) == {"values.salary": "READ_ONLY"}
    # A member's update of other fields keeps the hidden value.
    await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 2, "values": {"title": "Renamed"}}},
        token=member,
    )
    assert (await gql(client, NODE, {"id": record["id"]}, token=admin)).data["node"]["values"][
        "salary"
    ] == "9000.00"


async def test_read_only_fields_and_lifting_a_rule(client, as_alpha):
    admin, member = as_alpha["admin"], as_alpha["member"]
    name = await make_object(
        client, admin, [dict(apiName="title", type="TEXT"), dict(apiName="score", type="INTEGER")]
    )
    await _restrict(client, admin, name, "score", "MEMBER", "READ_ONLY")
    refused = await create_record(client, member, name, {"title": "T", "score": 3})
    assert field_codes(refused) == {"values.score": "READ_ONLY"}
    record = (await create_record(client, admin, name, {"title": "T", "score": 3})).data[
        "createRecord"
    ]
    assert (await gql(client, NODE, {"id": record["id"]}, token=admin)).data["node"]["values"][
        "score"
    ] == 3
    await _restrict(client, admin, name, "score", "MEMBER", "EDITABLE")
    assert (await create_record(client, member, name, {"title": "T2", "score": 4})).data[
        "createRecord"
    ]["values"]["score"] == 4


async def test_rules_on_standard_objects(client, as_alpha):
    admin, agent, member = as_alpha["admin"], as_alpha["agent"], as_alpha["member"]
    field = api_name("margin")
    await make_field(client, admin, "Customer", apiName=field, type="PERCENT")
    customer = await make_customer(
        client, admin, name=api_name("Margins"), customFields={field: 12}, ownerId=None
    )
    await _restrict(client, admin, "Customer", f"customFields.{field}", "AGENT", "HIDDEN")
    query = "query($id: ID!) { node(id: $id) { ... on Customer { customFields tier } } }"
    assert (
        field
        in (await gql(client, query, {"id": customer["id"]}, token=admin)).data["node"][
            "customFields"
        ]
    )
    assert (
        field
        not in (await gql(client, query, {"id": customer["id"]}, token=agent)).data["node"][
            "customFields"
        ]
    )
    probe = await gql(
        client,
        "query($f: CustomerFilter) { customers(filter: $f) { totalCount } }",
        {"f": {"customFields": {"field": field, "gt": 10}}},
        token=agent,
    )
    assert field_codes(probe) == {f"filter.customFields.{field}": "NOT_FILTERABLE"}

    await _restrict(client, admin, "Customer", "tier", "MEMBER", "READ_ONLY")
    mine = await make_customer(client, member, name=api_name("Member's"))
    update = await gql(
        client,
        "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { tier } }",
        {"i": {"id": mine["id"], "version": mine["version"], "tier": "gold"}},
        token=member,
    )
    assert field_codes(update) == {"tier": "READ_ONLY"}
    await _restrict(client, admin, "Customer", "tier", "MEMBER", "EDITABLE")
    hide_builtin = await gql(
        client,
        SET,
        {"input": {"object": "Customer", "field": "tier", "role": "MEMBER", "access": "HIDDEN"}},
        token=admin,
    )
    assert field_codes(hide_builtin) == {"access": "NOT_ALLOWED"}


async def test_only_admins_set_rules_and_admins_are_never_restricted(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="title", type="TEXT")])
    request = {"input": {"object": name, "field": "title", "role": "MEMBER", "access": "HIDDEN"}}
    assert (await gql(client, SET, request, token=as_alpha["manager"])).codes == ["FORBIDDEN"]
    admin_rule = await gql(
        client, SET, {"input": {**request["input"], "role": "ADMIN"}}, token=admin
    )
    assert field_codes(admin_rule) == {"role": "NOT_ALLOWED"}
    unknown = await gql(client, SET, {"input": {**request["input"], "field": "nope"}}, token=admin)
    assert field_codes(unknown) == {"field": "UNKNOWN_FIELD"}
