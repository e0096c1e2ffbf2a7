"""FILE and IMAGE custom fields: the value is a file attached to the same record of the same
tenant; IMAGE takes sniffed images only; the field's size and type limits hold; bad values are
BAD_USER_INPUT naming the field; the value resolves to the file and its signed link; another
tenant's file is refused."""

from __future__ import annotations

from tests.data.test_attachments import PNG, attach
from tests.support.custom import (
    UPDATE_RECORD,
    api_name,
    create_record,
    field_codes,
    make_field,
    make_object,
)
from tests.support.graphql import gql
from tests.support.records import make_customer

PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 20 + b"%%EOF\n"
TEXT = b"plain notes, not an image\n"
FILE_VALUE = """query($id: ID!, $field: String!) { node(id: $id) { ... on CustomRecord { values
  fileValue(field: $field) { id filename contentType size download { url } } } } }"""
ATTACHMENTS = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  node(id: $id) { ... on CustomRecord { attachments(first: $first, after: $after, last: $last,
  before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { filename } } } } } }"""


async def repair_object(client, admin) -> str:
    name = await make_object(client, admin, [{"apiName": "title", "type": "TEXT"}], stem="repair")
    await make_field(client, admin, name, apiName="photo", type="IMAGE")
    await make_field(
        client,
        admin,
        name,
        apiName="contract",
        type="FILE",
        config={"contentTypes": ["application/pdf", "image/*"], "maxBytes": 2000},
    )
    return name


async def update(client, token, record, values, version):
    return await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": version, "values": values}},
        token=token,
    )


async def test_an_image_field_takes_an_image_of_the_record_and_shows_it(client, as_alpha):
    admin = as_alpha["admin"]
    name = await repair_object(client, admin)
    record = (await create_record(client, admin, name, {"title": "Pump"}, ownerId=None)).data[
        "createRecord"
    ]  # unowned: every role may read it
    photo = (await attach(client, admin, record["id"], PNG, "pump.png")).json()
    contract = (await attach(client, admin, record["id"], PDF, "contract.pdf")).json()

    updated = await update(
        client, admin, record, {"photo": photo["id"], "contract": contract["id"]}, 1
    )
    values = updated.data["updateRecord"]["values"]
    assert values["photo"] == photo["id"] and values["contract"] == contract["id"]  # global ids

    shown = await gql(client, FILE_VALUE, {"id": record["id"], "field": "photo"}, token=admin)
    file = shown.data["node"]["fileValue"]
    assert (file["id"], file["filename"], file["contentType"], file["size"]) == (
        photo["id"],
        "pump.png",
        "image/png",
        len(PNG),
    )
    assert (await client.get(file["download"]["url"])).content == PNG
    viewer = await gql(
        client, FILE_VALUE, {"id": record["id"], "field": "contract"}, token=as_alpha["viewer"]
    )
    assert viewer.data["node"]["fileValue"]["filename"] == "contract.pdf"
    not_a_file = await gql(client, FILE_VALUE, {"id": record["id"], "field": "title"}, token=admin)
    assert field_codes(not_a_file) == {"field": "NOT_A_FILE_FIELD"}

    cleared = await update(client, admin, record, {"photo": None}, 2)
    assert "photo" not in cleared.data["updateRecord"]["values"]
    empty = await gql(client, FILE_VALUE, {"id": record["id"], "field": "photo"}, token=admin)
    assert empty.data["node"]["fileValue"] is None


async def test_wrong_files_are_refused_with_field_errors(client, as_alpha):
    admin = as_alpha["admin"]
    name = await repair_object(client, admin)
    record = (await create_record(client, admin, name, {"title": "Valve"})).data["createRecord"]
    other = (await create_record(client, admin, name, {"title": "Other"})).data["createRecord"]
    text = (await attach(client, admin, record["id"], TEXT, "notes.txt")).json()
    big = (await attach(client, admin, record["id"], PNG * 4, "big.png")).json()
    elsewhere = (await attach(client, admin, other["id"], PNG, "other.png")).json()

    assert field_codes(await update(client, admin, record, {"photo": text["id"]}, 1)) == {
        "values.photo": "NOT_AN_IMAGE"
    }
    assert field_codes(await update(client, admin, record, {"contract": text["id"]}, 1)) == {
        "values.contract": "FILE_TYPE_NOT_ALLOWED"
    }
    assert field_codes(await update(client, admin, record, {"contract": big["id"]}, 1)) == {
        "values.contract": "FILE_TOO_LARGE"
    }
    assert field_codes(await update(client, admin, record, {"photo": elsewhere["id"]}, 1)) == {
        "values.photo": "NOT_FOUND"  # a file of another record
    }
    assert field_codes(await update(client, admin, record, {"photo": other["id"]}, 1)) == {
        "values.photo": "INVALID_ID"  # a record's id, not a file's
    }
    assert field_codes(await update(client, admin, record, {"photo": "nonsense"}, 1)) == {
        "values.photo": "INVALID_ID"
    }
    # A new record has no files yet: attach first, then set the field.
    created = await create_record(client, admin, name, {"title": "New", "photo": elsewhere["id"]})
    assert field_codes(created) == {"values.photo": "NOT_FOUND"}
    # Nothing was written by the refused updates.
    assert (await update(client, admin, record, {"title": "Valve 2"}, 1)).data["updateRecord"][
        "version"
    ] == 2


async def test_field_settings_are_checked(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [{"apiName": "title", "type": "TEXT"}], stem="files")
    create = "mutation($input: CreateFieldInput!) { createField(input: $input) { id } }"
    for config, expected in (
        ({"maxBytes": 0}, {"config.maxBytes": "OUT_OF_RANGE"}),
        ({"maxBytes": 10**12}, {"config.maxBytes": "OUT_OF_RANGE"}),
        ({"contentTypes": ["pdf"]}, {"config.contentTypes": "INVALID_CONTENT_TYPES"}),
        ({"contentTypes": []}, {"config.contentTypes": "INVALID_CONTENT_TYPES"}),
    ):
        response = await gql(
            client,
            create,
            {
                "input": {
                    "object": name,
                    "apiName": "doc",
                    "label": "Doc",
                    "type": "FILE",
                    "config": config,
                }
            },
            token=admin,
        )
        assert field_codes(response) == expected, config
    unique = await gql(
        client,
        create,
        {
            "input": {
                "object": name,
                "apiName": "doc",
                "label": "Doc",
                "type": "IMAGE",
                "unique": True,
            }
        },
        token=admin,
    )
    assert field_codes(unique) == {"unique": "NOT_ALLOWED"}


async def test_a_standard_record_takes_an_image_in_its_custom_fields(client, as_alpha):
    admin = as_alpha["admin"]
    field = api_name("logo")
    made = await make_field(client, admin, "Customer", apiName=field, type="IMAGE")
    try:
        customer = await make_customer(client, admin, ownerId=None)
        logo = (await attach(client, admin, customer["id"], PNG, "logo.png")).json()
        text = (await attach(client, admin, customer["id"], TEXT, "about.txt")).json()
        write = (
            "mutation($id: ID!, $v: Int!, $f: JSON!) { updateCustomer(input: {id: $id, version: $v, "
            "customFields: $f}) { customFields version } }"
        )
        refused = await gql(
            client, write, {"id": customer["id"], "v": 1, "f": {field: text["id"]}}, token=admin
        )
        assert field_codes(refused) == {f"customFields.{field}": "NOT_AN_IMAGE"}
        written = await gql(
            client, write, {"id": customer["id"], "v": 1, "f": {field: logo["id"]}}, token=admin
        )
        assert written.data["updateCustomer"]["customFields"][field] == logo["id"]
        shown = await gql(
            client,
            "query($id: ID!, $f: String!) { node(id: $id) { ... on Customer { fileValue(field: $f) "
            "{ filename download { url } } attachments(first: 1) { totalCount edges { node { filename } } } } } }",
            {"id": customer["id"], "f": field},
            token=admin,
        )
        node = shown.data["node"]
        assert node["fileValue"]["filename"] == "logo.png"
        assert (await client.get(node["fileValue"]["download"]["url"])).content == PNG
        assert node["attachments"]["totalCount"] == 2
        assert [e["node"]["filename"] for e in node["attachments"]["edges"]] == ["about.txt"]
    finally:
        await gql(
            client,
            "mutation($input: FieldRefInput!) { deleteField(input: $input) { id } }",
            {"input": {"id": made["id"]}},
            token=admin,
        )


async def test_another_tenants_file_is_refused(client, as_alpha, as_beta):
    admin, other = as_alpha["admin"], as_beta["admin"]
    name = await repair_object(client, admin)
    record = (await create_record(client, admin, name, {"title": "Mine"})).data["createRecord"]
    theirs = await make_customer(client, other)
    foreign = (await attach(client, other, theirs["id"], PNG, "theirs.png")).json()
    assert field_codes(await update(client, admin, record, {"photo": foreign["id"]}, 1)) == {
        "values.photo": "NOT_FOUND"
    }
    mine = (await attach(client, admin, record["id"], PNG, "mine.png")).json()
    await update(client, admin, record, {"photo": mine["id"]}, 1)
    seen = await gql(client, FILE_VALUE, {"id": record["id"], "field": "photo"}, token=other)
    assert seen.data["node"] is None  # the record, and so its file, does not exist for them


async def test_a_records_attachments_page_forward_and_backward(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [{"apiName": "title", "type": "TEXT"}], stem="paged")
    record = (await create_record(client, admin, name, {"title": "Many"})).data["createRecord"]
    for index in range(5):
        await attach(client, admin, record["id"], PNG, f"f{index}.png")

    async def page(**args):
        response = await gql(client, ATTACHMENTS, {"id": record["id"], **args}, token=admin)
        found = response.data["node"]["attachments"]
        return found, [e["node"]["filename"] for e in found["edges"]]

    first, names = await page(first=2)
    assert names == ["f4.png", "f3.png"] and first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second, names = await page(first=2, after=first["pageInfo"]["endCursor"])
    assert names == ["f2.png", "f1.png"] and second["pageInfo"]["hasPreviousPage"]
    third, names = await page(first=2, after=second["pageInfo"]["endCursor"])
    assert names == ["f0.png"] and not third["pageInfo"]["hasNextPage"]
    back, names = await page(last=2, before=third["pageInfo"]["startCursor"])
    assert names == ["f2.png", "f1.png"] and back["pageInfo"]["hasPreviousPage"]
    _, names = await page(last=2)
    assert names == ["f1.png", "f0.png"]
    bad = await gql(client, ATTACHMENTS, {"id": record["id"], "after": "nope"}, token=admin)
    assert field_codes(bad) == {"after": "INVALID_CURSOR"}
    both = await gql(client, ATTACHMENTS, {"id": record["id"], "first": 1, "last": 1}, token=admin)
    assert field_codes(both) == {"last": "NOT_ALLOWED"}
    root = await gql(
        client,
        "query($id: ID!, $after: String) { attachments(recordId: $id, first: 3, after: $after) "
        "{ pageInfo { hasNextPage } edges { node { filename } } } }",
        {"id": record["id"], "after": first["pageInfo"]["endCursor"]},
        token=admin,
    )
    assert [e["node"]["filename"] for e in root.data["attachments"]["edges"]] == [
        "f2.png",
        "f1.png",
        "f0.png",
    ]


async def test_a_merge_moves_files_to_the_survivor_and_an_unmerge_back(client, as_alpha):
    admin = as_alpha["admin"]
    name = await repair_object(client, admin)
    keep = (await create_record(client, admin, name, {"title": "Keep"})).data["createRecord"]
    drop = (await create_record(client, admin, name, {"title": "Drop"})).data["createRecord"]
    photo = (await attach(client, admin, drop["id"], PNG, "drop.png")).json()
    await update(client, admin, drop, {"photo": photo["id"]}, 1)
    merged = await gql(
        client,
        "mutation($input: MergeRecordsInput!) { mergeRecords(input: $input) { id } }",
        {
            "input": {
                "object": name,
                "survivorId": keep["id"],
                "mergedIds": [drop["id"]],
                "fieldChoices": {"photo": drop["id"]},
            }
        },
        token=admin,
    )
    merge_id = merged.data["mergeRecords"]["id"]
    shown = await gql(client, FILE_VALUE, {"id": keep["id"], "field": "photo"}, token=admin)
    assert shown.data["node"]["fileValue"]["id"] == photo["id"]
    files = await gql(client, ATTACHMENTS, {"id": keep["id"], "first": 5}, token=admin)
    assert [e["node"]["filename"] for e in files.data["node"]["attachments"]["edges"]] == [
        "drop.png"
    ]
    await gql(
        client,
        "mutation($id: ID!) { unmergeRecords(input: {mergeId: $id}) { id } }",
        {"id": merge_id},
        token=admin,
    )
    back = await gql(client, FILE_VALUE, {"id": drop["id"], "field": "photo"}, token=admin)
    assert back.data["node"]["fileValue"]["id"] == photo["id"]
