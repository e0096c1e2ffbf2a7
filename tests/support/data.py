"""Uploading files and running imports through the API, as clients do."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from tests.support.graphql import gql
from tests.support.jobs import run_queued_jobs

START = (
    "mutation($input: StartImportInput!) { startImport(input: $input) { id status progressTotal } }"
)
PREVIEW = """query($fileId: ID!, $object: String!, $encoding: String) { importPreview(fileId: $fileId, object: $object, encoding: $encoding) {
  filename contentType size encoding columns { column field } sampleRows } }"""
JOB = """query($id: ID!) { job(id: $id) { id status progressDone progressTotal result error errorsCount
  errors(first: 100) { row field code message } } }"""


async def upload(
    client, token: str, content: bytes, filename: str = "data.csv", *, multipart: bool = False
):
    """POST /files/imports; the response."""
    headers = {"Authorization": f"Bearer {token}"}
    if multipart:
        return await client.post(
            "/files/imports",
            files={"file": (filename, content, "application/octet-stream")},
            headers=headers,
        )
    return await client.post(
        f"/files/imports?filename={filename}",
        content=content,
        headers={**headers, "Content-Type": "application/octet-stream"},
    )


async def uploaded(client, token: str, content: bytes, filename: str = "data.csv") -> str:
    response = await upload(client, token, content, filename)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def run_import(client, token: str, **input: Any) -> dict[str, Any]:
    """Start an import, run the queued jobs, and return the finished job."""
    started = await gql(client, START, {"input": input}, token=token)
    job_id = started.data["startImport"]["id"]
    await run_queued_jobs()
    return (await gql(client, JOB, {"id": job_id}, token=token)).data["job"]
