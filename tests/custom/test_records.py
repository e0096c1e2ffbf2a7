"""Custom records through /graphql: versioned updates, formulas kept current, unique values under
concurrency, auto-numbers, soft delete and restore, bulk all-or-nothing, rights and visibility."""

from __future__ import annotations

import asyncio
import uuid

from tests.support.custom import (
    RECORD_FIELDS,
    UPDATE_RECORD,
    create_record,
    field_codes,
    list_records,
    make_object,
)
from tests.support.graphql import gql

DELETE = "mutation($id: ID!) { deleteRecord(input: {id: $id}) { id deletedAt version } }"
RESTORE = "mutation($id: ID!) { restoreRecord(input: {id: $id}) { id deletedAt version } }"
BULK = f"mutation($input: BulkCreateRecordsInput!) {{ createRecords(input: $input) {{ {RECORD_FIELDS} }} }}"
NODE = "query($id: ID!) { node(id: $id) { ... on CustomRecord { id object values } } }"
HISTORY = "query($id: ID!) { node(id: $id) { ... on CustomRecord { history { edges { node { action changes } } } } } }"


async def _deal_object(client, admin):
    return await make_object(
        client,
        admin,
        [
            dict(apiName="code", type="TEXT", unique=True),
            dict(apiName="qty", type="INTEGER"),
            dict(apiName="price", type="DECIMAL"),
            dict(
                apiName="total",
                type="FORMULA",
                config={"expression": "qty * price", "resultType": "NUMBER"},
            ),
            dict(apiName="ref", type="AUTO_NUMBER", config={"prefix": "D", "digits": 3}),
        ],
        stem="deal",
    )


async def test_updates_are_versioned_and_formulas_follow(client, as_alpha):
    admin = as_alpha["admin"]
    name = await _deal_object(client, admin)
    record = (
        await create_record(client, admin, name, {"code": "A", "qty": 2, "price": "10"})
    ).data["createRecord"]
    assert record["values"]["total"] == "20.00" and record["values"]["ref"] == "D001"

    updated = await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 1, "values": {"qty": 5}}},
        token=admin,
    )
    assert updated.data["updateRecord"]["values"]["total"] == "50.00"
    assert updated.data["updateRecord"]["version"] == 2
    stale = await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 1, "values": {"qty": 6}}},
        token=admin,
    )
    assert stale.codes == ["CONFLICT"]
    cleared = await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 2, "values": {"price": None}}},
        token=admin,
    )
    assert (
        "total" not in cleared.data["updateRecord"]["values"]
        and "price" not in cleared.data["updateRecord"]["values"]
    )
    readonly = await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 3, "values": {"total": "1", "ref": "X"}}},
        token=admin,
    )
    assert field_codes(readonly) == {"values.total": "READ_ONLY", "values.ref": "READ_ONLY"}

    history = (await gql(client, HISTORY, {"id": record["id"]}, token=admin)).data["node"][
        "history"
    ]["edges"]
    assert [h["node"]["action"] for h in history] == ["created", "updated", "updated"]
    assert history[1]["node"]["changes"] == {"qty": [2, 5], "total": ["20.00", "50.00"]}


async def test_concurrent_same_version_updates_one_wins(client, as_alpha):
    admin = as_alpha["admin"]
    name = await _deal_object(client, admin)
    record = (await create_record(client, admin, name, {"qty": 1})).data["createRecord"]
    results = await asyncio.gather(
        *[
            gql(
                client,
                UPDATE_RECORD,
                {"input": {"id": record["id"], "version": 1, "values": {"qty": n}}},
                token=admin,
            )
            for n in (10, 20)
        ]
    )
    assert sorted(r.codes[0] if r.codes else "OK" for r in results) == ["CONFLICT", "OK"]


async def test_unique_values_hold_under_concurrent_creates(client, as_alpha):
    admin = as_alpha["admin"]
    name = await _deal_object(client, admin)
    results = await asyncio.gather(
        *[create_record(client, admin, name, {"code": "same"}) for _ in range(4)]
    )
    assert sorted("OK" if not r.errors else field_codes(r)["values.code"] for r in results) == [
        "OK",
        "TAKEN",
        "TAKEN",
        "TAKEN",
    ]
    # Case-insensitive for text, and freed by a delete, claimed again by a restore.
    taken = await create_record(client, admin, name, {"code": "SAME"})
    assert field_codes(taken) == {"values.code": "TAKEN"}
    winner = (await list_records(client, admin, name))["edges"][0]["node"]
    await gql(client, DELETE, {"id": winner["id"]}, token=admin)
    replacement = await create_record(client, admin, name, {"code": "same"})
    assert replacement.data["createRecord"]["values"]["code"] == "same"
    restore = await gql(client, RESTORE, {"id": winner["id"]}, token=admin)
    assert field_codes(restore) == {"values.code": "TAKEN"}


async def test_auto_numbers_never_repeat_under_concurrency(client, as_alpha):
    admin = as_alpha["admin"]
    name = await _deal_object(client, admin)
    results = await asyncio.gather(
        *[create_record(client, admin, name, {"qty": n}) for n in range(6)]
    )
    refs = [r.data["createRecord"]["values"]["ref"] for r in results]
    assert sorted(refs) == [f"D00{n}" for n in range(1, 7)]


async def test_bulk_create_is_all_or_nothing_with_item_errors(client, as_alpha):
    admin = as_alpha["admin"]
    name = await _deal_object(client, admin)
    bad = await gql(
        client,
        BULK,
        {
            "input": {
                "object": name,
                "items": [
                    {"values": {"qty": 1}},
                    {"values": {"qty": "many"}},
                    {"values": {"code": "x"}},
                    {"values": {"code": "X"}},
                ],
            }
        },
        token=admin,
    )
    assert field_codes(bad) == {"items.1.values.qty": "INVALID_INTEGER"}
    duplicate = await gql(
        client,
        BULK,
        {
            "input": {
                "object": name,
                "items": [{"values": {"code": "x"}}, {"values": {"code": "X"}}],
            }
        },
        token=admin,
    )
    assert field_codes(duplicate) == {"items.1.values.code": "TAKEN"}
    assert (await list_records(client, admin, name))["totalCount"] == 0
    good = await gql(
        client,
        BULK,
        {"input": {"object": name, "items": [{"values": {"qty": n}} for n in range(3)]}},
        token=admin,
    )
    assert len(good.data["createRecords"]) == 3


async def test_soft_delete_and_restore(client, as_alpha):
    admin = as_alpha["admin"]
    name = await _deal_object(client, admin)
    record = (await create_record(client, admin, name, {"qty": 1})).data["createRecord"]
    assert (await gql(client, DELETE, {"id": record["id"]}, token=admin)).data["deleteRecord"][
        "deletedAt"
    ]
    assert (await list_records(client, admin, name))["totalCount"] == 0
    assert (await gql(client, NODE, {"id": record["id"]}, token=admin)).data["node"] is None
    assert (await gql(client, RESTORE, {"id": record["id"]}, token=admin)).data["restoreRecord"][
        "deletedAt"
    ] is None
    assert (await gql(client, NODE, {"id": record["id"]}, token=admin)).data["node"]["values"][
        "qty"
    ] == 1


async def test_object_rights_and_record_visibility(client, as_alpha):
    admin = as_alpha["admin"]
    name = await _deal_object(client, admin)
    assert (await create_record(client, as_alpha["viewer"], name, {"qty": 1})).codes == [
        "FORBIDDEN"
    ]
    mine = (await create_record(client, as_alpha["member"], name, {"qty": 1})).data["createRecord"]
    await create_record(client, admin, name, {"qty": 2}, ownerId=None)  # shared pool
    theirs = (await create_record(client, admin, name, {"qty": 3})).data["createRecord"]
    seen = {
        e["node"]["id"] for e in (await list_records(client, as_alpha["member"], name))["edges"]
    }
    assert mine["id"] in seen and theirs["id"] not in seen
    assert (await gql(client, NODE, {"id": theirs["id"]}, token=as_alpha["member"])).data[
        "node"
    ] is None
    assert (await gql(client, DELETE, {"id": mine["id"]}, token=as_alpha["member"])).codes == [
        "FORBIDDEN"
    ]
    locked = await gql(
        client,
        "mutation($input: UpdateObjectInput!) { updateObject(input: $input) { rights } }",
        {"input": {"apiName": name, "version": 1, "rights": {"member": ["READ"]}}},
        token=admin,
    )
    assert locked.data["updateObject"]["rights"]["member"] == ["read"]
    assert (await create_record(client, as_alpha["member"], name, {"qty": 1})).codes == [
        "FORBIDDEN"
    ]


async def test_bulk_update_is_all_or_nothing(client, as_alpha):
    admin = as_alpha["admin"]
    name = await _deal_object(client, admin)
    one, two = [
        (await create_record(client, admin, name, {"qty": n})).data["createRecord"] for n in (1, 2)
    ]
    query = f"mutation($input: BulkUpdateRecordsInput!) {{ updateRecords(input: $input) {{ {RECORD_FIELDS} }} }}"
    bad = await gql(
        client,
        query,
        {
            "input": {
                "items": [
                    {"id": one["id"], "version": 1, "values": {"qty": 10}},
                    {"id": two["id"], "version": 1, "values": {"qty": "x"}},
                ]
            }
        },
        token=admin,
    )
    assert field_codes(bad) == {"items.1.values.qty": "INVALID_INTEGER"}
    assert {
        e["node"]["values"]["qty"] for e in (await list_records(client, admin, name))["edges"]
    } == {1, 2}
    good = await gql(
        client,
        query,
        {
            "input": {
                "items": [
                    {"id": one["id"], "version": 1, "values": {"qty": 10}},
                    {"id": two["id"], "version": 1, "values": {"qty": 20}},
                ]
            }
        },
        token=admin,
    )
    assert [r["values"]["qty"] for r in good.data["updateRecords"]] == [10, 20]


async def test_search_in_searchable_objects(client, as_alpha, as_beta):
    admin = as_alpha["admin"]
    name = await make_object(
        client,
        admin,
        [dict(apiName="title", type="TEXT"), dict(apiName="notes", type="LONG_TEXT")],
        stem="searched",
    )
    word = f"zebra{uuid.uuid4().hex[:6]}"
    await create_record(client, admin, name, {"title": f"Striped {word}", "notes": "grazing"})
    await create_record(client, admin, name, {"title": "Plain horse"})
    query = "query($o: String!, $s: String) { records(object: $o, search: $s) { edges { node { values } } } }"
    refused = await gql(client, query, {"o": name, "s": word}, token=admin)
    assert field_codes(refused) == {"search": "NOT_SEARCHABLE"}
    await gql(
        client,
        "mutation($i: UpdateObjectInput!) { updateObject(input: $i) { searchable } }",
        {"i": {"apiName": name, "version": 1, "searchable": True}},
        token=admin,
    )
    found = await gql(client, query, {"o": name, "s": f"{word[:7]} graz"}, token=admin)
    assert [e["node"]["values"]["title"] for e in found.data["records"]["edges"]] == [
        f"Striped {word}"
    ]
    everywhere = await gql(
        client,
        "query($t: String!) { searchRecords(text: $t) { object values } }",
        {"t": word},
        token=admin,
    )
    assert [r["object"] for r in everywhere.data["searchRecords"]] == [name]
    assert (
        await gql(
            client,
            "query($t: String!) { searchRecords(text: $t) { id } }",
            {"t": word},
            token=as_beta["admin"],
        )
    ).data["searchRecords"] == []
