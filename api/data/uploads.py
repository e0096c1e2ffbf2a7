"""The plain HTTP routes of files: POST /files/imports (a file to import) and POST
/files/attachments/<record id> (a file on a record), each the raw body or a multipart form's
`file`, streamed into storage with a size limit; GET /files/download/<signed token>; and GET
/jobs/<id>/errors.csv, a job's errors as CSV."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from strawberry import relay

from api.data.http_auth import bearer, error_response
from domain.errors import DomainError, Forbidden, InvalidInput
from domain.exports.cells import neutral
from domain.files.attachments import ATTACHABLE, attach
from domain.files.limits import LIMITS
from domain.files.links import read_link
from domain.files.store import CHUNK_BYTES, get_file, read_file, save_file
from domain.identity.authentication import authenticate
from domain.jobs import get_job, job_errors
from tenants.context import tenant_transaction

IMPORT_FILE = "ImportFile"
ERROR_PAGE = 1000


def file_id_of(value: str) -> uuid.UUID:
    """The UUID in an ImportFile global id; InvalidInput otherwise."""
    try:
        global_id = relay.GlobalID.from_id(value)
        if global_id.type_name != IMPORT_FILE:
            raise ValueError(global_id.type_name)
        return uuid.UUID(global_id.node_id)
    except (ValueError, TypeError):
        raise InvalidInput.single(
            "fileId", "INVALID_ID", "the id of an uploaded file (ImportFile)"
        ) from None


async def _parts(upload: UploadFile) -> AsyncIterator[bytes]:
    while piece := await upload.read(CHUNK_BYTES):
        yield piece


async def _body(request: Request, filename: str) -> tuple[AsyncIterator[bytes], str]:
    """The uploaded bytes as a stream, and the file's name: a multipart form's `file`, or the raw body."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "multipart/form-data":
        return request.stream(), filename
    try:
        form = await request.form(max_files=1, max_fields=10)
    except HTTPException as exc:
        raise InvalidInput.single(
            "file", "INVALID_FORM", f"the form cannot be read: {exc.detail}"
        ) from exc
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput.single("file", "REQUIRED", "send the file as the form's `file` field")
    return _parts(upload), upload.filename or filename


async def upload_import_file(request: Request) -> Response:
    try:
        credential = bearer(request)
        async with tenant_transaction(credential.tenant_id):
            principal = await authenticate(credential)
            if principal.scopes is not None and not any(
                s.endswith(":write") for s in principal.scopes
            ):
                raise Forbidden("A read-only token cannot upload files")
            chunks, filename = await _body(
                request, request.query_params.get("filename") or "upload"
            )
            row = await save_file(
                chunks,
                purpose="IMPORT",
                filename=filename,
                max_bytes=LIMITS.max_upload_bytes,
                principal=principal,
            )
    except DomainError as exc:
        return error_response(exc)
    return JSONResponse(
        {
            "id": str(relay.GlobalID(IMPORT_FILE, str(row["id"]))),
            "filename": row["filename"],
            "size": row["size"],
            "contentType": row["content_type"],
        },
        status_code=201,
    )


async def upload_attachment(request: Request) -> Response:
    """POST /files/attachments/<record id>: attach a file to a record you may update."""
    try:
        credential = bearer(request)
        try:
            record = relay.GlobalID.from_id(request.path_params["record_id"])
            if record.type_name not in ATTACHABLE:
                raise ValueError(record.type_name)
            record_id = uuid.UUID(record.node_id)
        except (ValueError, TypeError):
            raise InvalidInput.single(
                "recordId", "INVALID_ID", f"the id of a {', '.join(ATTACHABLE)}"
            ) from None
        async with tenant_transaction(credential.tenant_id):
            principal = await authenticate(credential)
            chunks, filename = await _body(request, request.query_params.get("filename") or "file")
            row = await attach(
                principal=principal,
                record_type=record.type_name,
                record_id=record_id,
                chunks=chunks,
                filename=filename,
            )
    except DomainError as exc:
        return error_response(exc)
    return JSONResponse(
        {
            "id": str(relay.GlobalID("Attachment", str(row["id"]))),
            "filename": row["filename"],
            "size": row["size"],
            "contentType": row["content_type"],
        },
        status_code=201,
    )


async def job_errors_csv(request: Request) -> Response:
    """The errors a job collected (an import's bad rows), as a CSV file: row, field, code, message."""
    try:
        credential = bearer(request)
        try:
            global_id = relay.GlobalID.from_id(request.path_params["job_id"])
            if global_id.type_name != "Job":
                raise ValueError(global_id.type_name)
            job_id = uuid.UUID(global_id.node_id)
        except (ValueError, TypeError):
            raise InvalidInput.single("id", "INVALID_ID", "the id of a Job") from None
        async with tenant_transaction(credential.tenant_id):
            principal = await authenticate(credential)
            await get_job(job_id, principal=principal)
    except DomainError as exc:
        return error_response(exc)

    async def lines() -> AsyncIterator[bytes]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "field", "code", "message"])
        yield ("\ufeff" + out.getvalue()).encode()  # a BOM, so Excel reads it as UTF-8
        after = 0
        while True:
            async with tenant_transaction(credential.tenant_id):
                rows = await job_errors(job_id, principal=principal, first=ERROR_PAGE, after=after)
            if not rows:
                return
            out = io.StringIO()
            writer = csv.writer(out)
            for row in rows:
                writer.writerow(
                    [
                        row["row_number"] or "",
                        row["field"] or "",
                        row["code"],
                        neutral(row["message"]),
                    ]
                )
            yield out.getvalue().encode()
            after = rows[-1]["seq"]

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="errors.csv"'},
    )


async def download(request: Request) -> Response:
    """GET /files/download/<signed token>: the file, streamed; 404 for a bad or expired link."""
    found = read_link(request.path_params["token"])
    if found is None:
        return JSONResponse(
            {"errors": [{"message": "no such file", "extensions": {"code": "NOT_FOUND"}}]},
            status_code=404,
        )
    tenant_id, file_id = found
    try:
        async with tenant_transaction(tenant_id):
            row = await get_file(file_id)
    except DomainError as exc:
        return error_response(exc)

    stream = read_file(tenant_id, row)  # outside any transaction: a slow client holds none open
    try:
        first = await anext(stream)
    except (FileNotFoundError, StopAsyncIteration):  # the bytes are gone (removed from the store)
        return JSONResponse(
            {"errors": [{"message": "no such file", "extensions": {"code": "NOT_FOUND"}}]},
            status_code=404,
        )

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for piece in stream:
            yield piece

    name = row["filename"]
    return StreamingResponse(
        body(),
        media_type=row["content_type"],
        headers={
            "Content-Length": str(row["size"]),
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        },
    )
