"""The export job (kind `exports.run`): the records of one object the member who started it may
see, matching the filter, with the fields they may see, written page by page to CSV or XLSX and
stored as a file to download through a signed, expiring link. Every export leaves an audit entry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import IO, Any

from domain.automation.targets import STANDARD
from domain.custom.metadata import load_object, load_standard_fields, record_spec, standard_spec
from domain.custom.records import list_object_records
from domain.errors import FieldError, InvalidInput
from domain.exports.filters import filter_from_json
from domain.exports.writers import CONTENT_TYPES, writer
from domain.files.limits import LIMITS
from domain.files.store import CHUNK_BYTES, save_file
from domain.identity.principal import Principal
from domain.jobs import JOB_SPEC, RunningJob
from domain.records.audit import record_events
from domain.records.field_access import field_rules, hidden
from domain.records.filters import Filter
from domain.records.listing import Listing, list_records
from domain.records.naming import client_name, domain_name
from domain.records.ordering import Order
from domain.records.spec import RecordSpec

KIND = "exports.run"
PAGE = 500
# Columns that hold other columns (custom values) or nothing a person reads.
NOT_EXPORTED = frozenset({"custom_fields", "data", "object_id", "version"})


async def export_spec(object_name: str) -> RecordSpec:
    if object_name in STANDARD:
        return standard_spec(object_name, await load_standard_fields(object_name))
    try:
        return record_spec(await load_object(object_name))
    except Exception as exc:  # NotFound, or a name that is no object
        raise InvalidInput.single(
            "object", "UNKNOWN_OBJECT", "a standard type (Lead, Customer, ...) or a custom object"
        ) from exc


async def exported_fields(
    spec: RecordSpec, principal: Principal, wanted: list[str] | None
) -> list[str]:
    """The fields to export: those asked for (all by default, named as clients name them:
    `stageId`, `customFields.vat`), never hidden ones; InvalidInput names each field that is
    unknown or hidden from the caller."""
    hidden_names = hidden(await field_rules(principal, spec.record_type))
    available = [
        f.name
        for f in spec.fields
        if f.name not in NOT_EXPORTED and f.lookup is None and f.name not in hidden_names
    ]
    if not wanted:
        return available
    errors = [
        FieldError(
            f"fields.{n}", "UNKNOWN_FIELD", f"{spec.record_type} has no field {n} you may read"
        )
        for n in wanted
        if domain_name(n) not in available
    ]
    if errors:
        raise InvalidInput(errors)
    return list(dict.fromkeys(domain_name(n) for n in wanted))


async def page(
    object_name: str,
    spec: RecordSpec,
    principal: Principal,
    filter: Filter | None,
    after: str | None,
    first: int = PAGE,
) -> Listing:
    order = [Order("created_at")]  # keyset pages break ties by id
    if object_name in STANDARD:
        return await list_records(
            spec, principal=principal, filter=filter, order=order, first=first, after=after
        )
    return await list_object_records(
        principal=principal,
        obj=await load_object(object_name),
        filter=filter,
        order=order,
        first=first,
        after=after,
    )


async def _chunks(data: IO[bytes]) -> AsyncIterator[bytes]:
    while piece := data.read(CHUNK_BYTES):
        yield piece


async def run_export(job: RunningJob) -> dict[str, Any]:
    params = job.params
    object_name, format = params["object"], params["format"]
    filter = filter_from_json(params.get("filter"))
    out = writer(format)
    rows, after, total = 0, None, None
    while True:
        async with job.batch():
            spec = await export_spec(object_name)
            fields = await exported_fields(
                spec, job.principal, params.get("fields")
            )  # rights as they are now
            if rows == 0:
                out.row([client_name(name) for name in fields])  # the file is the client's
            listing = await page(object_name, spec, job.principal, filter, after)
            if total is None:
                total = min(await listing.count(), LIMITS.max_export_rows)
            by_name = {f.name: f for f in spec.fields}
            for row in listing.rows[: max(0, LIMITS.max_export_rows - rows)]:
                out.row([by_name[name].read(row) for name in fields])
                rows += 1
            await job.progress(rows, total)
        if not listing.has_next or not listing.rows or rows >= LIMITS.max_export_rows:
            break
        after = listing.cursor(listing.rows[-1])
    data = out.finish()
    with data:
        async with job.batch():
            name = f"{object_name}-export.{format.lower()}"
            stored = await save_file(
                _chunks(data),
                purpose="EXPORT",
                filename=name,
                max_bytes=2**62,
                principal=job.principal,
                job_id=job.id,
            )
            await record_events(
                JOB_SPEC,
                [
                    (
                        job.id,
                        "exported",
                        {
                            "object": (None, object_name),
                            "rows": (None, rows),
                            "format": (None, format),
                        },
                    )
                ],
                actor_id=job.principal.user_id,
            )
    return {
        "fileId": str(stored["id"]),
        "rows": rows,
        "format": format,
        "contentType": CONTENT_TYPES[format],
        "truncated": rows >= LIMITS.max_export_rows
        and total is not None
        and total >= LIMITS.max_export_rows,
    }
