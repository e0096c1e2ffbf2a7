"""Files on records: sniffed types, rights that follow the record, size limits, signed downloads,
deletion, and tenant isolation through the API and in the database."""

from __future__ import annotations

import uuid

from strawberry import relay

from domain.files.limits import LIMITS
from domain.files.links import download_link
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql
from tests.support.records import make_customer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
LIST = """query($id: ID!) { attachments(recordId: $id) { edges { node { id filename contentType size sha256
  createdBy { email } download { url expiresAt } } } } }"""


def nodes(response) -> list[dict]:
    return [edge["node"] for edge in response.data["attachments"]["edges"]]


DELETE = "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { id filename } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Attachment { filename } } }"


async def attach(
    client, token: str, record_id: str, content: bytes, filename: str, *, multipart: bool = False
):
    headers = {"Authorization": f"Bearer {token}"}
    if multipart:
        return await client.post(
            f"/files/attachments/{record_id}",
            files={"file": (filename, content, "application/pdf")},
            headers=headers,
        )
    return await client.post(
        f"/files/attachments/{record_id}?filename={filename}",
        content=content,
        headers={**headers, "Content-Type": "application/pdf"},
    )


async def test_a_file_on_a_customer_is_listed_and_downloaded_with_its_sniffed_type(
    client, as_alpha
):
    admin = as_alpha["admin"]
    customer = await make_customer(client, admin, ownerId=None)  # unowned: every role may read it
    created = await attach(client, admin, customer["id"], PNG, "contract.pdf")
    assert created.status_code == 201, created.text
    assert (
        created.json()["contentType"] == "image/png"
    )  # told from the bytes, not from the name or the header
    files = nodes(await gql(client, LIST, {"id": customer["id"]}, token=admin))
    assert [
        (f["filename"], f["contentType"], f["size"], f["createdBy"]["email"]) for f in files
    ] == [("contract.pdf", "image/png", len(PNG), "admin@alpha.test")]
    response = await client.get(files[0]["download"]["url"])
    assert response.status_code == 200 and response.content == PNG
    assert (
        response.headers["content-type"] == "image/png"
        and response.headers["x-content-type-options"] == "nosniff"
    )
    assert "contract.pdf" in response.headers["content-disposition"]
    viewer = nodes(await gql(client, LIST, {"id": customer["id"]}, token=as_alpha["viewer"]))
    assert [f["id"] for f in viewer] == [
        files[0]["id"]
    ]  # reading the record is enough to read its files


async def test_a_custom_record_takes_files_through_a_multipart_form(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [{"apiName": "title", "type": "TEXT"}], stem="repair")
    record = (await create_record(client, admin, name, {"title": "Pump"})).data["createRecord"]
    created = await attach(
        client, admin, record["id"], "照片说明 photo notes\n".encode(), "说明.txt", multipart=True
    )
    assert created.status_code == 201, created.text
    files = nodes(await gql(client, LIST, {"id": record["id"]}, token=admin))
    assert [(f["filename"], f["contentType"]) for f in files] == [("说明.txt", "text/csv")]


async def test_rights_follow_the_record_and_limits_hold(client, as_alpha, monkeypatch, owner_db):
    admin = as_alpha["admin"]
    hidden = await make_customer(client, admin)  # the admin's: a member does not see it
    assert (await attach(client, as_alpha["member"], hidden["id"], PNG, "x.png")).status_code == 404
    assert (await gql(client, LIST, {"id": hidden["id"]}, token=as_alpha["member"])).codes == [
        "NOT_FOUND"
    ]
    secret = (await attach(client, admin, hidden["id"], PNG, "x.png")).json()
    assert (await gql(client, DELETE, {"id": secret["id"]}, token=as_alpha["member"])).codes == [
        "NOT_FOUND"
    ]
    customer = await make_customer(client, admin, ownerId=None)  # unowned: every role reads it
    assert (
        await attach(client, as_alpha["viewer"], customer["id"], PNG, "x.png")
    ).status_code == 403
    created = (await attach(client, admin, customer["id"], PNG, "x.png")).json()
    assert (await gql(client, DELETE, {"id": created["id"]}, token=as_alpha["viewer"])).codes == [
        "FORBIDDEN"
    ]

    before = await owner_db.fetchval("SELECT count(*) FROM stored_file")
    monkeypatch.setattr(LIMITS, "max_attachment_bytes", 100)
    too_big = await attach(client, admin, customer["id"], PNG, "big.png")
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["extensions"]["fieldErrors"][0]["code"] == "FILE_TOO_LARGE"
    assert await owner_db.fetchval("SELECT count(*) FROM stored_file") == before

    files = nodes(await gql(client, LIST, {"id": customer["id"]}, token=admin))
    deleted = await gql(client, DELETE, {"id": created["id"]}, token=admin)
    assert deleted.data["deleteAttachment"]["filename"] == "x.png"
    assert nodes(await gql(client, LIST, {"id": customer["id"]}, token=admin)) == []
    assert (
        await client.get(files[0]["download"]["url"])
    ).status_code == 404  # its link leads nowhere now
    raw = uuid.UUID(relay.GlobalID.from_id(created["id"]).node_id)
    assert await owner_db.fetchval("SELECT count(*) FROM file_chunk WHERE file_id = $1", raw) == 0


async def test_another_tenant_can_neither_see_nor_touch_a_file(
    client, as_alpha, as_beta, tenants, app_db
):
    admin, other = as_alpha["admin"], as_beta["admin"]
    customer = await make_customer(client, admin)
    created = (await attach(client, admin, customer["id"], PNG, "secret.png")).json()
    assert (await gql(client, LIST, {"id": customer["id"]}, token=other)).codes == ["NOT_FOUND"]
    assert (await attach(client, other, customer["id"], PNG, "x.png")).status_code == 404
    assert (await gql(client, NODE, {"id": created["id"]}, token=other)).data["node"] is None
    assert (await gql(client, NODE, {"id": created["id"]}, token=admin)).data["node"][
        "filename"
    ] == "secret.png"
    assert (await gql(client, DELETE, {"id": created["id"]}, token=other)).codes == ["NOT_FOUND"]
    raw = uuid.UUID(relay.GlobalID.from_id(created["id"]).node_id)
    # A link made for another tenant with this file's id opens nothing: the tenant is part of it.
    assert (
        await client.get(download_link(uuid.UUID(tenants["beta"].id), raw).path)
    ).status_code == 404
    assert (
        await client.get(download_link(uuid.UUID(tenants["alpha"].id), raw).path)
    ).status_code == 200
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert await app_db.fetchval("SELECT count(*) FROM stored_file WHERE id = $1", raw) == 0
        assert await app_db.fetchval("SELECT count(*) FROM file_chunk WHERE file_id = $1", raw) == 0
        assert await app_db.execute("DELETE FROM file_chunk WHERE file_id = $1", raw) == "DELETE 0"
