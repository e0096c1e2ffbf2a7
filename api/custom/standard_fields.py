"""The tenant's custom fields on standard records (customers, contacts, leads, opportunities,
tickets): the `customFields` and `relatedRecords` fields they show, their values in writes, and
their names in filters and sorting. Relation and user values are global ids in the API and UUIDs
in the database; definitions are read once per request and record type.

A standard record type takes them by mixing in `WithCustomFields` and naming its RecordSpec in
`SPEC`; its writes pass `prepare_custom_fields(...)` and its lists `with_custom_fields(...)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.custom.files import WithFiles
from api.custom.filtering import normalise_filter
from api.custom.record_types import CustomRecordType, related_connection
from api.custom.values import values_in, values_out
from api.records import loaders
from api.records.pagination import Connection, page_of
from domain.custom.fieldtypes import FieldDef
from domain.custom.metadata import load_standard_fields, standard_spec
from domain.errors import FieldError, InvalidInput
from domain.records.filters import Filter, named_fields
from domain.records.ordering import Order
from domain.records.spec import CUSTOM_FIELDS_PREFIX, RecordSpec


def standard_fields(info: Info, record_type: str) -> Awaitable[tuple[FieldDef, ...]]:
    async def load(types: list[str]) -> dict[str, tuple[FieldDef, ...]]:
        return {t: await load_standard_fields(t) for t in types}

    return loaders.batched(info, "standard_fields", load, default=()).load(record_type)


def prepare_custom_fields(
    record_type: str,
) -> Callable[[list[dict[str, Any]], bool], Awaitable[None]]:
    """A RecordWrites `prepare`: turn global ids inside each item's custom_fields into UUIDs."""

    async def prepare(items: list[dict[str, Any]], bulk: bool) -> None:
        if not any(item.get("custom_fields") for item in items):
            return
        fields = await load_standard_fields(record_type)
        errors: list[FieldError] = []
        for index, item in enumerate(items):
            if item.get("custom_fields"):
                prefix = (f"items.{index}." if bulk else "") + CUSTOM_FIELDS_PREFIX
                try:
                    item["custom_fields"] = values_in(fields, item["custom_fields"], prefix=prefix)
                except InvalidInput as exc:
                    errors += exc.field_errors
        if errors:
            raise InvalidInput(errors)

    return prepare


async def with_custom_fields(
    info: Info,
    spec: RecordSpec,
    filter: Filter | None,
    order: list[Order] | None,
) -> tuple[RecordSpec, Filter | None]:
    """The spec and filter a standard list needs when it filters or sorts on custom fields
    (`customFields.<name>`); unchanged, without a query, when it does not."""
    named = named_fields(filter) | {o.field for o in order or []}
    if not any(name.startswith(CUSTOM_FIELDS_PREFIX) for name in named):
        return spec, filter
    fields = await standard_fields(info, spec.record_type)
    extended = standard_spec(spec.record_type, fields)
    if filter is not None:
        filter = normalise_filter(filter, fields, extended, prefix=CUSTOM_FIELDS_PREFIX)
    return extended, filter


@strawberry.type
class WithCustomFields(WithFiles):
    """Mixin: the tenant's custom fields of a standard record (the class names its RecordSpec in
    SPEC, and holds the record's `custom_fields` column in `custom_data`), and its files."""

    SPEC: ClassVar[RecordSpec]
    custom_data: strawberry.Private[dict[str, Any]]

    def attachment_type(self) -> str:
        return self.SPEC.record_type

    async def file_fields(self, info: Info) -> tuple[FieldDef, ...]:
        return await standard_fields(info, self.SPEC.record_type)

    def file_data(self) -> dict[str, Any]:
        return self.custom_data

    @strawberry.field(
        description="{field api name: value} for the tenant's custom fields (see standardFields)"
    )
    async def custom_fields(self, info: Info) -> JSON:
        return JSON(
            values_out(await standard_fields(info, self.SPEC.record_type), self.custom_data)
        )

    @strawberry.field(
        description="Records of a custom object whose relation `field` points at this record"
    )
    async def related_records(
        self,
        info: Info,
        object: str,
        field: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CustomRecordType]:
        return await related_connection(
            info,
            self.SPEC.record_type,
            self.node_id,  # type: ignore[attr-defined]
            object,
            field,
            page_of(first, after, last, before, nested=True),
        )
