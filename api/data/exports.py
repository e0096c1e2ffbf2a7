"""GraphQL of exports: `exportRecords` (a job) and `downloadLink` (a signed, expiring link to what
a finished export wrote)."""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from api.custom.filtering import normalise_filter
from api.permissions import Authenticated, principal_of
from api.records.attachments import DownloadLinkType, link_of
from api.records.dynamic import RecordFilter, record_filter_tree
from api.records.ids import decode_id
from api.records.relations import lazy_type, resolve_type
from domain.automation.targets import STANDARD
from domain.custom.metadata import load_object, load_standard_fields
from domain.errors import InvalidInput, NotFound
from domain.exports.run import KIND, export_spec
from domain.exports.service import start_export
from domain.jobs import SUCCEEDED, get_job
from domain.records.filters import Filter
from domain.records.spec import CUSTOM_FIELDS_PREFIX

JobType = lazy_type("api.jobs.types", "JobType")


@strawberry.enum(name="ExportFormat")
class ExportFormat(Enum):
    CSV = "CSV"
    XLSX = "XLSX"


@strawberry.input
class ExportRecordsInput:
    object: str = strawberry.field(
        description="Customer, Contact, Lead, Opportunity, Ticket or a custom object's apiName"
    )
    filter: RecordFilter | None = strawberry.field(
        default=None,
        description="As in records(filter:); custom fields of standard objects as customFields.<name>",
    )
    fields: list[str] | None = strawberry.field(
        default=None, description="The columns, in order; none: every field you may read"
    )
    format: ExportFormat = ExportFormat.CSV


async def domain_filter(object_name: str, node: RecordFilter | None) -> Filter | None:
    """The filter with its operands in their fields' stored form; InvalidInput for bad ones."""
    if node is None:
        return None
    spec = await export_spec(object_name)
    if object_name in STANDARD:
        return normalise_filter(
            record_filter_tree(node),
            await load_standard_fields(object_name),
            spec,
            prefix=CUSTOM_FIELDS_PREFIX,
        )
    return normalise_filter(record_filter_tree(node), (await load_object(object_name)).fields, spec)


@strawberry.type
class ExportQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="A signed link to the file a finished export wrote (who started it, or an admin)",
    )
    async def download_link(self, info: Info, job_id: relay.GlobalID) -> DownloadLinkType:
        principal = principal_of(info)
        job = await get_job(decode_id(job_id, expected="Job", field="jobId"), principal=principal)
        if job["kind"] != KIND:
            raise InvalidInput.single("jobId", "NOT_AN_EXPORT", "the id of an export job")
        if job["status"] != SUCCEEDED or not (job["result"] or {}).get("fileId"):
            raise NotFound("the export has not finished")
        return link_of(principal.tenant_id, uuid.UUID(job["result"]["fileId"]))


@strawberry.type
class ExportMutations:
    @strawberry.mutation(
        graphql_type=JobType,
        description="Export the records you may see, with the fields you may "
        "see, to CSV or XLSX, as a job; then downloadLink(jobId)",
    )
    async def export_records(self, info: Info, input: ExportRecordsInput) -> Any:
        filter = await domain_filter(input.object, input.filter)
        row = await start_export(
            principal=principal_of(info),
            object_name=input.object,
            filter=filter,
            fields=input.fields,
            format=input.format.value,
        )
        return resolve_type(JobType).from_row(row)
