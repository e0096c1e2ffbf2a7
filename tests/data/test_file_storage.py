"""Files' bytes in the object store settings choose, the same on both backends: the directory
under the data dir (the default) and an S3-compatible server (moto's, over HTTP on 127.0.0.1).
Keys are prefixed by tenant; bytes follow the transaction that wrote or removed their row; files
kept in PostgreSQL before the store are read from there until `tessera files move-to-store`;
purging a custom object removes its records' files; `tessera files sweep` removes unnamed bytes."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from strawberry import relay

from domain.errors import InvalidInput
from domain.files.storage import current_store, object_key
from domain.files.store import save_file
from domain.identity.operator import member_principal
from tenants.context import tenant_transaction
from tenants.ids import new_id
from tests.data.test_attachments import LIST, PNG, attach, nodes
from tests.support import cli
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql
from tests.support.jobs import run_queued_jobs
from tests.support.records import make_customer
from tests.support.stores import s3_server, s3_store, using

DELETE = "mutation($id: ID!) { deleteAttachment(input: {id: $id}) { id } }"
EXPORT = "mutation($input: ExportRecordsInput!) { exportRecords(input: $input) { id } }"
LINK = "query($id: ID!) { downloadLink(jobId: $id) { url } }"


@pytest.fixture(scope="module")
def s3_endpoint():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture(params=["directory", "s3"])
def backend(request, app, s3_endpoint):
    """(the store the app now uses, the environment that selects it for a `tessera` command)."""
    if request.param == "directory":
        yield current_store(), {}  # as the app was wired from the default settings
        return
    store, env = s3_store(s3_endpoint)
    with using(store):
        yield store, env


def file_id(global_id: str) -> uuid.UUID:
    return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)


async def test_an_attachment_lives_in_the_store_under_its_tenant(
    client, as_alpha, tenants, backend, owner_db
):
    store, _ = backend
    admin, alpha = as_alpha["admin"], uuid.UUID(tenants["alpha"].id)
    customer = await make_customer(client, admin, ownerId=None)
    created = (await attach(client, admin, customer["id"], PNG, "scan.png")).json()
    key = object_key(alpha, file_id(created["id"]))
    assert key in await store.keys(alpha)
    assert key not in await store.keys(uuid.UUID(tenants["beta"].id))
    assert (
        await owner_db.fetchval(  # nothing of it in PostgreSQL but its row
            "SELECT count(*) FROM file_chunk WHERE file_id = $1", file_id(created["id"])
        )
        == 0
    )
    files = nodes(await gql(client, LIST, {"id": customer["id"]}, token=admin))
    downloaded = await client.get(files[0]["download"]["url"])
    assert downloaded.status_code == 200 and downloaded.content == PNG

    await gql(client, DELETE, {"id": created["id"]}, token=admin)
    assert key not in await store.keys(alpha)  # gone once the deletion committed
    assert (await client.get(files[0]["download"]["url"])).status_code == 404


async def test_a_large_file_goes_up_and_comes_back_whole(client, as_alpha, backend):
    admin = as_alpha["admin"]
    customer = await make_customer(client, admin, ownerId=None)
    content = PNG + bytes(range(256)) * (6 * 1024 * 1024 // 256)  # past S3's multipart threshold
    created = await attach(client, admin, customer["id"], content, "big.png")
    assert created.status_code == 201, created.text
    files = nodes(await gql(client, LIST, {"id": customer["id"]}, token=admin))
    downloaded = await client.get(files[0]["download"]["url"])
    assert downloaded.content == content and files[0]["size"] == len(content)


async def test_a_refused_or_rolled_back_upload_leaves_no_bytes(
    client, as_alpha, tenants, backend, monkeypatch
):
    store, _ = backend
    admin, alpha = as_alpha["admin"], uuid.UUID(tenants["alpha"].id)
    customer = await make_customer(client, admin, ownerId=None)
    before = set(await store.keys(alpha))
    from domain.files.limits import LIMITS

    monkeypatch.setattr(LIMITS, "max_attachment_bytes", 100)
    assert (await attach(client, admin, customer["id"], PNG, "big.png")).status_code == 413
    assert set(await store.keys(alpha)) == before

    async def chunks():
        yield b"written, then undone"

    written: dict = {}
    with pytest.raises(InvalidInput):
        async with tenant_transaction(alpha):
            principal = await member_principal(email="admin@alpha.test")
            written.update(
                await save_file(
                    chunks(),
                    purpose="IMPORT",
                    filename="a.csv",
                    max_bytes=1000,
                    principal=principal,
                )
            )
            assert object_key(alpha, written["id"]) in await store.keys(alpha)
            raise InvalidInput.single("x", "LATER", "a later step of the same transaction failed")
    assert set(await store.keys(alpha)) == before


async def test_an_export_is_written_to_and_read_from_the_store(client, as_alpha, tenants, backend):
    store, _ = backend
    admin = as_alpha["admin"]
    await make_customer(client, admin, name="Stored Export Co")
    job = (
        await gql(client, EXPORT, {"input": {"object": "Customer", "format": "CSV"}}, token=admin)
    ).data["exportRecords"]
    await run_queued_jobs()
    url = (await gql(client, LINK, {"id": job["id"]}, token=admin)).data["downloadLink"]["url"]
    response = await client.get(url)
    assert response.status_code == 200
    assert any("Stored Export Co" in row for row in csv.reader(io.StringIO(response.text)))
    alpha = uuid.UUID(tenants["alpha"].id)
    assert len(await store.keys(alpha)) >= 1


async def test_purging_an_object_removes_its_records_files(
    client, as_alpha, tenants, backend, owner_db
):
    store, _ = backend
    admin, alpha = as_alpha["admin"], uuid.UUID(tenants["alpha"].id)
    name = await make_object(client, admin, [{"apiName": "title", "type": "TEXT"}], stem="purged")
    record = (await create_record(client, admin, name, {"title": "Boiler"})).data["createRecord"]
    created = (await attach(client, admin, record["id"], PNG, "boiler.png")).json()
    key = object_key(alpha, file_id(created["id"]))
    assert key in await store.keys(alpha)
    ref = "mutation($i: ObjectRefInput!) { %s(input: $i) %s }"
    await gql(client, ref % ("deleteObject", "{ apiName }"), {"i": {"apiName": name}}, token=admin)
    assert key in await store.keys(alpha)  # deleting hides: a restore brings the files back
    purged = await gql(client, ref % ("purgeObject", ""), {"i": {"apiName": name}}, token=admin)
    assert purged.data["purgeObject"] is True
    assert key not in await store.keys(alpha)
    assert (
        await owner_db.fetchval(
            "SELECT count(*) FROM stored_file WHERE id = $1", file_id(created["id"])
        )
        == 0
    )


async def test_files_kept_in_postgresql_are_read_then_moved_to_the_store(
    client, as_alpha, tenants, backend, owner_db
):
    store, env = backend
    admin, alpha = as_alpha["admin"], uuid.UUID(tenants["alpha"].id)
    customer = await make_customer(client, admin, ownerId=None)
    # A file as revision 0030 wrote it: its row, and its bytes in chunks.
    legacy, content = new_id(), PNG * 3
    created_by = await owner_db.fetchval("SELECT id FROM app_user WHERE email = 'admin@alpha.test'")
    await owner_db.execute(
        "INSERT INTO stored_file (tenant_id, id, purpose, filename, content_type, size, sha256, "
        "complete, record_type, record_id, created_by) VALUES "
        "($1, $2, 'ATTACHMENT', 'old.png', 'image/png', $3, 'x', true, 'Customer', $4, $5)",
        alpha,
        legacy,
        len(content),
        file_id(customer["id"]),
        created_by,
    )
    for seq, start in enumerate(range(0, len(content), 300), start=1):
        await owner_db.execute(
            "INSERT INTO file_chunk (tenant_id, file_id, seq, data) VALUES ($1, $2, $3, $4)",
            alpha,
            legacy,
            seq,
            content[start : start + 300],
        )
    files = nodes(await gql(client, LIST, {"id": customer["id"]}, token=admin))
    assert (await client.get(files[0]["download"]["url"])).content == content

    out = cli.ok(await cli.arun("files", "move-to-store", "--tenant", "alpha", env=env))
    assert "alpha:" in out and "files moved" in out
    assert await owner_db.fetchval("SELECT in_store FROM stored_file WHERE id = $1", legacy)
    assert (
        await owner_db.fetchval("SELECT count(*) FROM file_chunk WHERE file_id = $1", legacy) == 0
    )
    assert object_key(alpha, legacy) in await store.keys(alpha)
    assert (await client.get(files[0]["download"]["url"])).content == content
    again = cli.ok(await cli.arun("files", "move-to-store", "--tenant", "alpha", env=env))
    assert "alpha: 0 files moved" in again


async def test_sweep_removes_old_bytes_that_no_row_names(client, tenants, backend):
    store, env = backend
    alpha = uuid.UUID(tenants["alpha"].id)
    old = uuid.UUID(int=(new_id().int & ~(((1 << 48) - 1) << 80)) | (1 << 80) * 1_000_000_000)
    young = new_id()
    for orphan in (old, young):
        await store.put(object_key(alpha, orphan), io.BytesIO(b"left behind"))
    out = cli.ok(await cli.arun("files", "sweep", "--tenant", "alpha", env=env))
    assert "alpha:" in out
    keys = await store.keys(alpha)
    assert object_key(alpha, old) not in keys  # unnamed and old: removed
    assert object_key(alpha, young) in keys  # unnamed but young: perhaps an upload still running
    await store.delete(object_key(alpha, young))
