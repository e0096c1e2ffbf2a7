"""Imports of CSV and XLSX files: encodings, mapping, row errors, dry runs, upserts, bad files,
an import racing a manual edit, and tenant isolation."""

from __future__ import annotations

import codecs
import csv
import io
import uuid

import pytest
from strawberry import relay

from domain.files.limits import LIMITS
from tests.support.custom import list_records, make_object
from tests.support.data import JOB, PREVIEW, START, run_import, upload, uploaded, xlsx
from tests.support.graphql import gql

LEADS = """query($region: String!) { leads(filter: {region: {eq: $region}}, first: 100) { totalCount
  edges { node { id personName companyName email score version region owner { email } } } } }"""
UPDATE_LEAD = (
    "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id version score region } }"
)
CREATE_LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id version } }"


def marker() -> str:
    return "r" + uuid.uuid4().hex[:10]


async def leads(client, token: str, region: str) -> list[dict]:
    found = (await gql(client, LEADS, {"region": region}, token=token)).data["leads"]
    return sorted((e["node"] for e in found["edges"]), key=lambda n: n["personName"] or "")


async def test_a_csv_with_a_bom_imports_good_rows_and_reports_bad_ones_by_row_and_field(
    client, as_alpha
):
    admin, region = as_alpha["admin"], marker()
    text = (
        "Person Name,Email,Score,Region,Owner\n"
        f"Ann,ann@example.com,10,{region},member@alpha.test\n"
        f"Bob,not-an-email,20,{region},\n"
        f"Cy,cy@example.com,lots,{region},\n"
        f"Di,di@example.com,40,{region},nobody@alpha.test\n"
        f"Ed,ed@example.com,5000,{region},\n"
    )
    file_id = await uploaded(client, admin, codecs.BOM_UTF8 + text.encode())
    preview = (await gql(client, PREVIEW, {"fileId": file_id, "object": "Lead"}, token=admin)).data[
        "importPreview"
    ]
    assert preview["encoding"] == "utf-8-sig" and preview["contentType"] == "text/csv"
    assert {c["column"]: c["field"] for c in preview["columns"]} == {
        "Person Name": "personName",
        "Email": "email",
        "Score": "score",
        "Region": "region",
        "Owner": "ownerId",
    }

    job = await run_import(client, admin, fileId=file_id, object="Lead")
    assert job["status"] == "SUCCEEDED"
    assert job["result"] == {"rows": 5, "created": 1, "updated": 0, "failed": 4, "dryRun": False}
    assert (job["progressDone"], job["progressTotal"]) == (5, 5)
    assert sorted((e["row"], e["field"], e["code"]) for e in job["errors"]) == [
        (3, "email", "INVALID_EMAIL"),
        (4, "score", "INVALID_NUMBER"),
        (5, "ownerId", "UNKNOWN_MEMBER"),
        (6, "score", "OUT_OF_RANGE"),
    ]
    created = await leads(client, admin, region)
    assert [(n["personName"], n["email"], n["score"], n["owner"]["email"]) for n in created] == [
        ("Ann", "ann@example.com", 10, "member@alpha.test")
    ]

    report = await client.get(
        f"/jobs/{job['id']}/errors.csv", headers={"Authorization": f"Bearer {admin}"}
    )
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "field", "code", "message"]
    assert sorted(r[0] for r in rows[1:]) == ["3", "4", "5", "6"]


async def test_a_gbk_csv_from_chinese_excel_is_read_and_mapped_by_chinese_headers(client, as_alpha):
    admin, region = as_alpha["admin"], marker()
    text = f"姓名,公司,邮箱,地区\n张伟,北京科技有限公司,zhang@example.cn,{region}\n李娜,上海贸易有限公司,li@example.cn,{region}\n"
    file_id = await uploaded(client, admin, text.encode("gbk"))
    preview = (await gql(client, PREVIEW, {"fileId": file_id, "object": "Lead"}, token=admin)).data[
        "importPreview"
    ]
    assert preview["encoding"] == "gb18030"
    assert [c["field"] for c in preview["columns"]] == [
        "personName",
        "companyName",
        "email",
        "region",
    ]
    assert preview["sampleRows"][0][:2] == ["张伟", "北京科技有限公司"]
    job = await run_import(client, admin, fileId=file_id, object="Lead")
    assert job["result"]["created"] == 2, job
    assert {n["companyName"] for n in await leads(client, admin, region)} == {
        "上海贸易有限公司",
        "北京科技有限公司",
    }


async def test_an_xlsx_imports_typed_cells_into_a_custom_object_with_an_explicit_mapping(
    client, as_alpha
):
    admin = as_alpha["admin"]
    name = await make_object(
        client,
        admin,
        [
            {"apiName": "title", "type": "TEXT", "required": True},
            {"apiName": "units", "type": "INTEGER"},
            {"apiName": "due", "type": "DATE"},
            {"apiName": "urgent", "type": "BOOLEAN"},
        ],
        stem="order",
    )
    content = xlsx(
        [
            ["Order", "Qty", "Due on", "Rush?", "Ignored"],
            ["A-1", 3, __import__("datetime").date(2026, 5, 1), "yes", "x"],
            ["A-2", "many", "2026-05-02", "no", "y"],
            [None, 5, None, None, "z"],
        ]
    )
    file_id = await uploaded(client, admin, content, "orders.xlsx")
    mapping = [
        {"column": "Order", "field": "title"},
        {"column": "Qty", "field": "units"},
        {"column": "Due on", "field": "due"},
        {"column": "Rush?", "field": "urgent"},
    ]
    job = await run_import(client, admin, fileId=file_id, object=name, mapping=mapping)
    assert (
        job["status"] == "SUCCEEDED"
        and job["result"]["created"] == 1
        and job["result"]["failed"] == 2
    )
    assert sorted((e["row"], e["field"]) for e in job["errors"]) == [(3, "units"), (4, "title")]
    records = await list_records(client, admin, name)
    assert [e["node"]["values"] for e in records["edges"]] == [
        {"title": "A-1", "units": 3, "due": "2026-05-01", "urgent": True}
    ]


async def test_a_dry_run_reports_the_same_errors_and_writes_nothing(client, as_alpha):
    admin, region = as_alpha["admin"], marker()
    file_id = await uploaded(
        client,
        admin,
        f"personName,email,region\nAnn,ann@x.com,{region}\nBob,bad,{region}\n".encode(),
    )
    dry = await run_import(client, admin, fileId=file_id, object="Lead", dryRun=True)
    assert dry["status"] == "SUCCEEDED" and dry["result"]["dryRun"] is True
    assert (dry["result"]["created"], dry["result"]["failed"]) == (1, 1)
    assert [(e["row"], e["field"]) for e in dry["errors"]] == [(3, "email")]
    assert await leads(client, admin, region) == []


async def test_an_upsert_by_external_id_updates_what_an_earlier_import_created(client, as_alpha):
    admin, region = as_alpha["admin"], marker()
    first = f"id,personName,score,region\nX1,Ann,1,{region}\nX2,Bob,2,{region}\n".encode()
    mapping = [
        {"column": "id", "field": "externalId"},
        {"column": "personName", "field": "personName"},
        {"column": "score", "field": "score"},
        {"column": "region", "field": "region"},
    ]
    job = await run_import(
        client,
        admin,
        fileId=await uploaded(client, admin, first),
        object="Lead",
        mode="UPSERT",
        matchBy="externalId",
        externalSystem="oldcrm",
        mapping=mapping,
    )
    assert (job["result"]["created"], job["result"]["updated"]) == (2, 0), job
    second = f"id,personName,score,region\nX1,Ann,11,{region}\nX3,Cy,3,{region}\n".encode()
    job = await run_import(
        client,
        admin,
        fileId=await uploaded(client, admin, second),
        object="Lead",
        mode="UPSERT",
        matchBy="externalId",
        externalSystem="oldcrm",
        mapping=mapping,
    )
    assert (job["result"]["created"], job["result"]["updated"]) == (1, 1), job
    assert [(n["personName"], n["score"]) for n in await leads(client, admin, region)] == [
        ("Ann", 11),
        ("Bob", 2),
        ("Cy", 3),
    ]


async def test_an_import_racing_a_manual_edit_never_overwrites_it_silently(client, as_alpha):
    admin, region = as_alpha["admin"], marker()
    email = f"{region}@example.com"
    lead = (
        await gql(
            client,
            CREATE_LEAD,
            {"input": {"personName": "Ann", "email": email, "region": region}},
            token=admin,
        )
    ).data["createLead"]
    file_id = await uploaded(client, admin, f"email,score\n{email},77\n".encode())
    started = await gql(
        client,
        START,
        {"input": {"fileId": file_id, "object": "Lead", "mode": "UPDATE", "matchBy": "email"}},
        token=admin,
    )
    # A member edits the lead after the import was started and before it runs.
    edited = (
        await gql(
            client,
            UPDATE_LEAD,
            {"input": {"id": lead["id"], "version": lead["version"], "region": region + "x"}},
            token=admin,
        )
    ).data["updateLead"]
    from tests.support.jobs import run_queued_jobs

    await run_queued_jobs()
    job = (await gql(client, JOB, {"id": started.data["startImport"]["id"]}, token=admin)).data[
        "job"
    ]
    assert job["result"]["updated"] == 1, job
    now = (await leads(client, admin, region + "x"))[0]
    assert (now["score"], now["region"]) == (
        77,
        region + "x",
    )  # both changes kept, each on its own field
    assert now["version"] == edited["version"] + 1
    # A client still holding the version before the import is refused, not silently applied.
    stale = await gql(
        client,
        UPDATE_LEAD,
        {"input": {"id": lead["id"], "version": edited["version"], "score": 1}},
        token=admin,
    )
    assert stale.codes == ["CONFLICT"]


async def test_bad_files_are_refused_with_the_reason(client, as_alpha, owner_db, monkeypatch):
    admin = as_alpha["admin"]
    latin1 = await uploaded(client, admin, "personName,city\nJosé,Zürich\n".encode("latin-1"))
    refused = await gql(client, START, {"input": {"fileId": latin1, "object": "Lead"}}, token=admin)
    assert refused.codes == ["BAD_USER_INPUT"]
    assert refused.errors[0]["extensions"]["fieldErrors"][0]["code"] == "UNKNOWN_ENCODING"
    named = await gql(
        client, PREVIEW, {"fileId": latin1, "object": "Lead", "encoding": "latin-1"}, token=admin
    )
    assert named.data["importPreview"]["sampleRows"] == [["José", "Zürich"]]

    good = xlsx([["personName"], ["Ann"]])
    broken = await uploaded(client, admin, good[: len(good) // 2], "broken.xlsx")
    refused = await gql(client, START, {"input": {"fileId": broken, "object": "Lead"}}, token=admin)
    assert refused.errors[0]["extensions"]["fieldErrors"][0]["code"] == "INVALID_XLSX"

    picture = await uploaded(client, admin, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "leads.csv")
    refused = await gql(
        client, START, {"input": {"fileId": picture, "object": "Lead"}}, token=admin
    )
    assert refused.errors[0]["extensions"]["fieldErrors"][0]["code"] == "UNSUPPORTED_FILE"

    before = await owner_db.fetchval("SELECT count(*) FROM stored_file")
    monkeypatch.setattr(LIMITS, "max_upload_bytes", 1000)
    for multipart in (False, True):
        too_big = await upload(client, admin, b"personName\n" + b"x" * 2000, multipart=multipart)
        assert too_big.status_code == 413, too_big.text
        assert (
            too_big.json()["errors"][0]["extensions"]["fieldErrors"][0]["code"] == "FILE_TOO_LARGE"
        )
    assert await owner_db.fetchval("SELECT count(*) FROM stored_file") == before
    empty = await upload(client, admin, b"")
    assert (
        empty.status_code == 400
        and empty.json()["errors"][0]["extensions"]["fieldErrors"][0]["code"] == "EMPTY_FILE"
    )
    assert (await upload(client, "not-a-token", b"a\n1\n")).status_code == 401


async def test_mapping_mistakes_are_reported_field_by_field(client, as_alpha):
    admin = as_alpha["admin"]
    file_id = await uploaded(client, admin, b"name,mail\nAnn,a@x.com\n")
    refused = await gql(
        client,
        START,
        {
            "input": {
                "fileId": file_id,
                "object": "Lead",
                "mode": "UPDATE",
                "mapping": [
                    {"column": "name", "field": "personName"},
                    {"column": "nope", "field": "email"},
                    {"column": "mail", "field": "shoeSize"},
                ],
            }
        },
        token=admin,
    )
    assert refused.codes == ["BAD_USER_INPUT"]
    assert {(e["field"], e["code"]) for e in refused.errors[0]["extensions"]["fieldErrors"]} == {
        ("mapping.nope", "UNKNOWN_COLUMN"),
        ("mapping.mail", "UNKNOWN_FIELD"),
        ("matchBy", "REQUIRED"),
    }
    viewer = await gql(
        client, START, {"input": {"fileId": file_id, "object": "Lead"}}, token=as_alpha["viewer"]
    )
    assert viewer.codes == ["FORBIDDEN"]


async def test_another_tenant_can_neither_use_nor_see_an_upload_or_an_import(
    client, as_alpha, as_beta, app_db, tenants
):
    admin = as_alpha["admin"]
    file_id = await uploaded(client, admin, b"personName,email\nAnn,bad\n")
    job = await run_import(client, admin, fileId=file_id, object="Lead")
    other = as_beta["admin"]
    assert (
        await gql(client, START, {"input": {"fileId": file_id, "object": "Lead"}}, token=other)
    ).codes == ["NOT_FOUND"]
    assert (
        await gql(client, PREVIEW, {"fileId": file_id, "object": "Lead"}, token=other)
    ).codes == ["NOT_FOUND"]
    assert (await gql(client, JOB, {"id": job["id"]}, token=other)).data["job"] is None
    report = await client.get(
        f"/jobs/{job['id']}/errors.csv", headers={"Authorization": f"Bearer {other}"}
    )
    assert report.status_code == 404
    # Another member of the same tenant cannot use someone else's upload either.
    assert (
        await gql(client, PREVIEW, {"fileId": file_id, "object": "Lead"}, token=as_alpha["manager"])
    ).codes == ["NOT_FOUND"]
    raw = uuid.UUID(relay.GlobalID.from_id(file_id).node_id)
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert await app_db.fetchval("SELECT count(*) FROM stored_file WHERE id = $1", raw) == 0
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        assert await app_db.fetchval("SELECT count(*) FROM stored_file WHERE id = $1", raw) == 1


@pytest.mark.parametrize("multipart", [True])
async def test_a_multipart_upload_works_like_a_raw_one(client, as_alpha, multipart):
    response = await upload(
        client, as_alpha["admin"], b"personName\nAnn\n", "x.csv", multipart=multipart
    )
    assert (
        response.status_code == 201
        and response.json()["filename"] == "x.csv"
        and response.json()["size"] == 15
    )


class Killed(BaseException):
    """Stands for the worker process dying in the middle of a batch: nothing catches it."""


async def test_an_import_whose_worker_died_resumes_without_writing_a_row_twice(
    client, tenants, as_alpha, owner_db, monkeypatch
):
    from domain.imports import run
    from domain.jobs.runner import RunningJob
    from workers.jobs import execute_job

    admin, region = as_alpha["admin"], marker()
    names = [f"P{n}" for n in range(7)]
    text = "personName,email,region\n" + "".join(
        f"{name},{'bad' if name == 'P4' else name.lower() + '.' + region + '@example.com'},{region}\n"
        for name in names
    )
    started = await gql(
        client,
        START,
        {"input": {"fileId": await uploaded(client, admin, text.encode()), "object": "Lead"}},
        token=admin,
    )
    job_gid = started.data["startImport"]["id"]
    job_id = relay.GlobalID.from_id(job_gid).node_id
    monkeypatch.setattr(run, "BATCH", 2)
    report = RunningJob.progress

    async def die_in_the_second_batch(self, done, total=None):
        await report(self, done, total)
        if done == 4:  # the batch's rows and errors are written, not committed
            raise Killed()

    monkeypatch.setattr(RunningJob, "progress", die_in_the_second_batch)
    from tests.support.jobs import run_queued_jobs

    with pytest.raises(Killed):
        await run_queued_jobs()
    monkeypatch.setattr(RunningJob, "progress", report)
    job = (await gql(client, JOB, {"id": job_gid}, token=admin)).data["job"]
    assert (job["status"], job["progressDone"]) == ("RUNNING", 2), job
    assert [n["personName"] for n in await leads(client, admin, region)] == ["P0", "P1"]
    # The dead worker's lease runs out; the queue's retry resumes after the committed batch.
    await owner_db.execute(
        "UPDATE job SET lease_until = now() - interval '1 second' WHERE id = $1::uuid", job_id
    )
    assert await execute_job(tenants["alpha"].id, job_id) == "SUCCEEDED"
    job = (await gql(client, JOB, {"id": job_gid}, token=admin)).data["job"]
    assert job["result"] == {"rows": 7, "created": 6, "updated": 0, "failed": 1, "dryRun": False}
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(6, "email")]
    assert [n["personName"] for n in await leads(client, admin, region)] == [
        name for name in names if name != "P4"
    ]
