"""GraphQL of imports: what a file would import (`importPreview`) and `startImport`, a job."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from api.data.uploads import file_id_of
from api.permissions import Authenticated, principal_of
from api.records.relations import lazy_type, resolve_type
from domain.imports.service import preview_import, start_import

JobType = lazy_type("api.jobs.types", "JobType")


@strawberry.enum(name="ImportMode")
class ImportMode(Enum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    UPSERT = "UPSERT"


@strawberry.type(
    name="ImportColumn", description="A column of the file and the field it is imported into"
)
class ImportColumnType:
    column: str
    field: str | None


@strawberry.type(name="ImportField", description="A field a column may be imported into")
class ImportFieldType:
    name: str = strawberry.field(
        description="email, customFields.tier, a custom object's field, ownerId (by email), "
        "customerId (by id or name), customerId.externalId, externalId"
    )
    label: str


@strawberry.type(name="ImportPreview", description="What importing the file would read")
class ImportPreviewType:
    filename: str
    content_type: str = strawberry.field(description="Told from the file's bytes")
    size: int
    encoding: str | None = strawberry.field(
        description="Of a CSV file: utf-8, utf-8-sig, utf-16 or gb18030"
    )
    columns: list[ImportColumnType] = strawberry.field(
        description="Every column, with the field it maps onto automatically"
    )
    fields: list[ImportFieldType]
    sample_rows: list[list[str]] = strawberry.field(description="The first rows, as text")


@strawberry.input
class ColumnMappingInput:
    column: str
    field: str


@strawberry.input
class StartImportInput:
    file_id: strawberry.ID = strawberry.field(
        description="An ImportFile id from POST /files/imports"
    )
    object: str = strawberry.field(
        description="Customer, Contact, Lead, Opportunity, Ticket or a custom object's apiName"
    )
    mapping: list[ColumnMappingInput] | None = strawberry.field(
        default=None,
        description="Columns onto fields; none: the automatic mapping of importPreview",
    )
    mode: ImportMode = ImportMode.CREATE
    match_by: str | None = strawberry.field(
        default=None,
        description="UPDATE / UPSERT find records by externalId, this unique field, or "
        "duplicateRules (the tenant's active duplicate rules of the object)",
    )
    external_system: str | None = strawberry.field(
        default=None, description="The system external ids belong to (default: import)"
    )
    encoding: str | None = strawberry.field(
        default=None, description="Of a CSV file, if not told from its bytes (e.g. latin-1)"
    )
    dry_run: bool = strawberry.field(
        default=False, description="Check every row, write nothing; the errors are the job's"
    )
    automations: bool = strawberry.field(
        default=True,
        description="false: the imported records' events reach neither automation rules nor "
        "webhooks (admins only)",
    )


@strawberry.type
class ImportQueries:
    @strawberry.field(
        permission_classes=[Authenticated],
        description="What importing an uploaded file into an object would read",
    )
    async def import_preview(
        self, info: Info, file_id: strawberry.ID, object: str, encoding: str | None = None
    ) -> ImportPreviewType:
        found = await preview_import(
            principal=principal_of(info),
            file_id=file_id_of(str(file_id)),
            object_name=object,
            encoding=encoding,
        )
        file = found["file"]
        return ImportPreviewType(
            filename=file["filename"],
            content_type=file["content_type"],
            size=file["size"],
            encoding=found["encoding"],
            columns=[
                ImportColumnType(column=h, field=found["mapping"].get(h)) for h in found["headers"]
            ],
            fields=[ImportFieldType(name=f["name"], label=f["label"]) for f in found["fields"]],
            sample_rows=found["sample"],
        )


@strawberry.type
class ImportMutations:
    @strawberry.mutation(
        graphql_type=JobType,
        description="Import an uploaded file as a job (follow it with job(id); its errors at /jobs/<id>/errors.csv)",
    )
    async def start_import(self, info: Info, input: StartImportInput) -> Any:
        params: dict[str, Any] = {
            "fileId": str(file_id_of(str(input.file_id))),
            "object": input.object,
            "mode": input.mode.value,
            "matchBy": input.match_by,
            "externalSystem": input.external_system,
            "encoding": input.encoding,
            "dryRun": input.dry_run,
            "automations": input.automations,
            "mapping": {m.column: m.field for m in input.mapping} if input.mapping else None,
        }
        row = await start_import(principal=principal_of(info), params=params)
        return resolve_type(JobType).from_row(row)
