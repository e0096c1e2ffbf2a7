"""Defining objects and fields: admin only, validated when saved, versioned, audited, reversible,
limited, and visible at once to every API process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess

import httpx

from tests.support.cli import TESSERA
from tests.support.custom import (
    CREATE_FIELD,
    CREATE_OBJECT,
    api_name,
    create_record,
    field_codes,
    list_records,
    make_field,
    make_object,
)
from tests.support.graphql import gql
from tests.support.server import free_port, wait_until_ready

OBJECT = "query($name: String!) { object(apiName: $name) { apiName label version fields(includeDeleted: true) { id apiName deleted position version type } } }"
UPDATE_FIELD = "mutation($input: UpdateFieldInput!) { updateField(input: $input) { id type label version required defaultValue } }"
DELETE_FIELD = (
    "mutation($input: FieldRefInput!) { deleteField(input: $input) { id deleted version } }"
)
RESTORE_FIELD = (
    "mutation($input: FieldRefInput!) { restoreField(input: $input) { id deleted version } }"
)


async def test_only_admins_define_objects_and_fields(client, as_alpha):
    for role in ("manager", "member", "viewer"):
        response = await gql(
            client,
            CREATE_OBJECT,
            {"input": {"apiName": api_name(), "label": "X", "pluralLabel": "Xs"}},
            token=as_alpha[role],
        )
        assert response.codes == ["FORBIDDEN"], role
    name = await make_object(client, as_alpha["admin"])
    response = await gql(
        client,
        CREATE_FIELD,
        {"input": {"object": name, "apiName": "a", "label": "A", "type": "TEXT"}},
        token=as_alpha["member"],
    )
    assert response.codes == ["FORBIDDEN"]
    # ...while every role reads definitions, to render forms.
    assert (await gql(client, OBJECT, {"name": name}, token=as_alpha["viewer"])).data["object"][
        "apiName"
    ] == name


async def test_bad_definitions_are_refused_with_every_reason(client, as_alpha):
    admin = as_alpha["admin"]
    response = await gql(
        client,
        CREATE_OBJECT,
        {"input": {"apiName": "Bad Name", "label": "", "pluralLabel": "x"}},
        token=admin,
    )
    assert field_codes(response) == {"apiName": "INVALID_FORMAT", "label": "REQUIRED"}
    name = await make_object(client, admin, [dict(apiName="amount", type="DECIMAL")])
    duplicate = await gql(
        client,
        CREATE_OBJECT,
        {"input": {"apiName": name, "label": "X", "pluralLabel": "Xs"}},
        token=admin,
    )
    assert field_codes(duplicate) == {"apiName": "TAKEN"}
    cases = [
        ({"apiName": "amount", "type": "TEXT"}, {"apiName": "TAKEN"}),
        ({"apiName": "id", "type": "TEXT"}, {"apiName": "RESERVED"}),
        (
            {"apiName": "pick", "type": "SINGLE_SELECT", "config": {"options": []}},
            {"config.options": "INVALID_OPTIONS"},
        ),
        (
            {
                "apiName": "pick",
                "type": "SINGLE_SELECT",
                "config": {"options": [f"o{i}" for i in range(201)]},
            },
            {"config.options": "INVALID_OPTIONS"},
        ),
        (
            {"apiName": "link", "type": "RELATION", "config": {"target": "nothing_here"}},
            {"config.target": "NOT_FOUND"},
        ),
        (
            {"apiName": "calc", "type": "FORMULA", "config": {"expression": "amount * (2"}},
            {"config.expression": "INVALID_FORMULA"},
        ),
        (
            {"apiName": "calc", "type": "FORMULA", "config": {"expression": "missing + 1"}},
            {"config.expression": "UNKNOWN_FIELD"},
        ),
        (
            {"apiName": "calc", "type": "FORMULA", "config": {"expression": "__import__('os')"}},
            {"config.expression": "INVALID_FORMULA"},
        ),
        (
            {"apiName": "code", "type": "TEXT", "validation": {"pattern": "(unclosed"}},
            {"validation.pattern": "INVALID_PATTERN"},
        ),
        (
            {"apiName": "code", "type": "TEXT", "defaultValue": "x" * 300},
            {"defaultValue": "TOO_LONG"},
        ),
        (
            {"apiName": "code", "type": "TEXT", "unique": True, "defaultValue": "a"},
            {"defaultValue": "NOT_ALLOWED"},
        ),
    ]
    for field, expected in cases:
        response = await gql(
            client, CREATE_FIELD, {"input": {"object": name, "label": "L", **field}}, token=admin
        )
        assert field_codes(response) == expected, field


async def test_a_required_field_on_existing_records_needs_a_default_which_they_get(
    client, as_alpha
):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="title", type="TEXT")])
    old = (await create_record(client, admin, name, {"title": "Before"})).data["createRecord"]
    refused = await gql(
        client,
        CREATE_FIELD,
        {
            "input": {
                "object": name,
                "apiName": "status",
                "label": "S",
                "type": "TEXT",
                "required": True,
            }
        },
        token=admin,
    )
    assert field_codes(refused) == {"required": "REQUIRES_DEFAULT"}
    await make_field(
        client, admin, name, apiName="status", type="TEXT", required=True, defaultValue="NEW"
    )
    await make_field(
        client,
        admin,
        name,
        apiName="shout",
        type="FORMULA",
        config={"expression": 'UPPER(title) & "!"', "resultType": "TEXT"},
    )
    records = await list_records(client, admin, name)
    assert records["edges"][0]["node"]["values"] == {
        "title": "Before",
        "status": "NEW",
        "shout": "BEFORE!",
    }
    assert old["values"] == {"title": "Before"}
    missing = await create_record(client, admin, name, {"status": None})
    assert field_codes(missing) == {"values.status": "REQUIRED"}


async def test_type_changes_only_where_values_convert_safely(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin)
    seats = await make_field(client, admin, name, apiName="seats", type="INTEGER")
    widened = await gql(
        client,
        UPDATE_FIELD,
        {"input": {"id": seats["id"], "version": 1, "type": "DECIMAL"}},
        token=admin,
    )
    assert widened.data["updateField"]["type"] == "DECIMAL"
    narrowed = await gql(
        client,
        UPDATE_FIELD,
        {"input": {"id": seats["id"], "version": 2, "type": "BOOLEAN"}},
        token=admin,
    )
    assert field_codes(narrowed) == {"type": "UNSAFE_CHANGE"}
    stale = await gql(
        client,
        UPDATE_FIELD,
        {"input": {"id": seats["id"], "version": 1, "label": "Seats"}},
        token=admin,
    )
    assert stale.codes == ["CONFLICT"]


async def test_deleting_a_field_keeps_its_values_until_restored(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="title", type="TEXT")])
    code = await make_field(client, admin, name, apiName="code", type="TEXT")
    await create_record(client, admin, name, {"title": "T", "code": "K-1"})
    await gql(client, DELETE_FIELD, {"input": {"id": code["id"]}}, token=admin)
    assert (await list_records(client, admin, name))["edges"][0]["node"]["values"] == {"title": "T"}
    hidden = await create_record(client, admin, name, {"code": "K-2"})
    assert field_codes(hidden) == {"values.code": "UNKNOWN_FIELD"}
    await gql(client, RESTORE_FIELD, {"input": {"id": code["id"]}}, token=admin)
    assert (await list_records(client, admin, name))["edges"][0]["node"]["values"] == {
        "title": "T",
        "code": "K-1",
    }


async def test_metadata_changes_are_audited(client, as_alpha, owner_db):
    admin = as_alpha["admin"]
    name = await make_object(client, admin)
    field = await make_field(client, admin, name, apiName="title", type="TEXT")
    await gql(
        client,
        UPDATE_FIELD,
        {"input": {"id": field["id"], "version": 1, "label": "Headline"}},
        token=admin,
    )
    rows = await owner_db.fetch(
        "SELECT record_type, action, changes FROM audit_event WHERE record_type = 'CustomField' "
        "AND changes::text LIKE '%Headline%'"
    )
    assert [r["action"] for r in rows] == ["updated"]


async def test_a_second_api_process_sees_a_new_field_at_once(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin)
    port = free_port()
    proc = subprocess.Popen(
        [*TESSERA, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        await asyncio.to_thread(wait_until_ready, f"http://127.0.0.1:{port}", proc)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as second:
            assert (await gql(second, OBJECT, {"name": name}, token=admin)).data["object"][
                "fields"
            ] == []
            await make_field(client, admin, name, apiName="title", type="TEXT")
            fields = (await gql(second, OBJECT, {"name": name}, token=admin)).data["object"][
                "fields"
            ]
            assert [f["apiName"] for f in fields] == ["title"]
            created = await create_record(second, admin, name, {"title": "via the second process"})
            assert created.data["createRecord"]["values"] == {"title": "via the second process"}
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


async def test_limits_are_clear_errors(client, as_alpha, monkeypatch):
    from domain.custom import fields, objects

    admin = as_alpha["admin"]
    name = await make_object(
        client, admin, [dict(apiName="a", type="TEXT"), dict(apiName="b", type="TEXT")]
    )
    monkeypatch.setattr(fields, "MAX_FIELDS", 2)
    too_many = await gql(
        client,
        CREATE_FIELD,
        {"input": {"object": name, "apiName": "c", "label": "C", "type": "TEXT"}},
        token=admin,
    )
    assert field_codes(too_many) == {"apiName": "LIMIT_REACHED"}
    existing = len(
        (await gql(client, "{ objects(includeDeleted: true) { apiName } }", token=admin)).data[
            "objects"
        ]
    )
    monkeypatch.setattr(objects, "MAX_OBJECTS", existing)
    refused = await gql(
        client,
        CREATE_OBJECT,
        {"input": {"apiName": api_name(), "label": "X", "pluralLabel": "Xs"}},
        token=admin,
    )
    assert field_codes(refused) == {"apiName": "LIMIT_REACHED"}


async def test_purging_deleted_fields_and_objects(client, as_alpha, owner_db):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="title", type="TEXT")])
    code = await make_field(client, admin, name, apiName="code", type="TEXT", unique=True)
    await create_record(client, admin, name, {"title": "T", "code": "K-1"})
    purge_field = "mutation($input: FieldRefInput!) { purgeField(input: $input) }"
    live = await gql(client, purge_field, {"input": {"id": code["id"]}}, token=admin)
    assert field_codes(live) == {"id": "NOT_DELETED"}
    await gql(client, DELETE_FIELD, {"input": {"id": code["id"]}}, token=admin)
    assert (
        await gql(client, purge_field, {"input": {"id": code["id"]}}, token=as_alpha["manager"])
    ).codes == ["FORBIDDEN"]
    assert (await gql(client, purge_field, {"input": {"id": code["id"]}}, token=admin)).data[
        "purgeField"
    ] is True
    object_id = await owner_db.fetchval("SELECT id FROM custom_object WHERE api_name = $1", name)
    assert (
        await owner_db.fetchval(
            "SELECT count(*) FROM custom_record WHERE object_id = $1 AND data ? 'code'", object_id
        )
        == 0
    )
    assert (
        await owner_db.fetchval("SELECT count(*) FROM custom_unique_value WHERE value = 'k-1'") == 0
    )
    # The api name is free again, and so is the value.
    await make_field(client, admin, name, apiName="code", type="TEXT", unique=True)
    assert (await create_record(client, admin, name, {"title": "U", "code": "K-1"})).data[
        "createRecord"
    ]

    purge_object = "mutation($input: ObjectRefInput!) { purgeObject(input: $input) }"
    assert field_codes(
        await gql(client, purge_object, {"input": {"apiName": name}}, token=admin)
    ) == {"apiName": "NOT_DELETED"}
    await gql(
        client,
        "mutation($input: ObjectRefInput!) { deleteObject(input: $input) { apiName } }",
        {"input": {"apiName": name}},
        token=admin,
    )
    assert (await gql(client, purge_object, {"input": {"apiName": name}}, token=admin)).data[
        "purgeObject"
    ] is True
    assert (
        await owner_db.fetchval(
            "SELECT count(*) FROM custom_record WHERE object_id = $1", object_id
        )
        == 0
    )
    assert (
        await owner_db.fetchval("SELECT count(*) FROM custom_field WHERE object_id = $1", object_id)
        == 0
    )
    assert (await gql(client, OBJECT, {"name": name}, token=admin)).codes == ["NOT_FOUND"]


async def test_objects_restore_fields_reorder_and_rules_are_listed(client, as_alpha, as_beta):
    admin = as_alpha["admin"]
    name = await make_object(
        client,
        admin,
        [
            dict(apiName="a", type="TEXT"),
            dict(apiName="b", type="TEXT"),
            dict(apiName="c", type="TEXT"),
        ],
    )
    reorder = "mutation($i: ReorderFieldsInput!) { reorderFields(input: $i) { apiName position } }"
    reordered = await gql(
        client, reorder, {"i": {"object": name, "apiNames": ["c", "a"]}}, token=admin
    )
    assert [(f["apiName"], f["position"]) for f in reordered.data["reorderFields"]] == [
        ("c", 0),
        ("a", 1),
        ("b", 2),
    ]
    assert field_codes(
        await gql(client, reorder, {"i": {"object": name, "apiNames": ["zzz"]}}, token=admin)
    ) == {"apiNames": "UNKNOWN_FIELD"}
    assert (
        await gql(
            client, reorder, {"i": {"object": name, "apiNames": ["a"]}}, token=as_beta["admin"]
        )
    ).codes == ["NOT_FOUND"]

    await gql(
        client,
        "mutation($i: SetFieldAccessInput!) { setFieldAccess(input: $i) { field } }",
        {"i": {"object": name, "field": "b", "role": "AGENT", "access": "READ_ONLY"}},
        token=admin,
    )
    rules = "query($o: String!) { fieldAccess(object: $o) { field role access } }"
    assert (await gql(client, rules, {"o": name}, token=as_alpha["viewer"])).data[
        "fieldAccess"
    ] == [{"field": "b", "role": "agent", "access": "READ_ONLY"}]
    assert (await gql(client, rules, {"o": name}, token=as_beta["admin"])).data["fieldAccess"] == []

    await create_record(client, admin, name, {"a": "kept"})
    drop = "mutation($i: ObjectRefInput!) { deleteObject(input: $i) { deleted } }"
    back = "mutation($i: ObjectRefInput!) { restoreObject(input: $i) { deleted } }"
    assert (await gql(client, drop, {"i": {"apiName": name}}, token=as_alpha["manager"])).codes == [
        "FORBIDDEN"
    ]
    assert (await gql(client, drop, {"i": {"apiName": name}}, token=admin)).data["deleteObject"][
        "deleted"
    ] is True
    assert (
        await gql(
            client,
            "query($o: String!) { records(object: $o) { totalCount } }",
            {"o": name},
            token=admin,
        )
    ).codes == ["NOT_FOUND"]
    assert (await gql(client, back, {"i": {"apiName": name}}, token=as_beta["admin"])).codes == [
        "NOT_FOUND"
    ]
    assert (await gql(client, back, {"i": {"apiName": name}}, token=admin)).data["restoreObject"][
        "deleted"
    ] is False
    assert (await list_records(client, admin, name))["edges"][0]["node"]["values"] == {"a": "kept"}
