"""`customFields` of standard records: relation and user values are global ids in the API and
UUIDs in the database; definitions are read once per request and record type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.crm import loaders
from api.pagination import Connection
from api.custom.filtering import normalise_filter
from api.custom.values import values_in, values_out
from domain.custom.fieldtypes import FieldDef
from domain.custom.metadata import load_standard_fields, standard_spec
from domain.errors import FieldError, InvalidInput
from domain.records.filters import Filter, named_fields
from domain.records.ordering import Order
from domain.records.spec import CUSTOM_FIELDS_PREFIX, RecordSpec

if TYPE_CHECKING:
    from api.custom.types import CustomRecordType  # noqa: F401


def standard_fields(info: Info, record_type: str) -> Awaitable[tuple[FieldDef, ...]]:
    async def load(types: list[str]) -> dict[str, tuple[FieldDef, ...]]:
        return {t: await load_standard_fields(t) for t in types}

    return loaders.batched(info, "standard_fields", load, default=()).load(record_type)


def prepare_custom_fields(record_type: str) -> Callable[[list[dict[str, Any]], bool], Awaitable[None]]:
    """For crud_mutations: turn global ids inside each item's customFields into UUIDs."""
    async def prepare(items: list[dict[str, Any]], bulk: bool) -> None:
        if not any(item.get("customFields") for item in items):
            return
        fields = await load_standard_fields(record_type)
        errors: list[FieldError] = []
        for index, item in enumerate(items):
            if item.get("customFields"):
                prefix = f"items.{index}.customFields." if bulk else "customFields."
                try:
                    item["customFields"] = values_in(fields, item["customFields"], prefix=prefix)
                except InvalidInput as exc:
                    errors += exc.field_errors
        if errors:
            raise InvalidInput(errors)

    return prepare


async def with_custom_fields(
    info: Info, spec: RecordSpec, filter: Filter | None, order: list[Order] | None,
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
class WithCustomFields:
    """Mixin: the tenant's custom fields of a standard record (the class names its type in SPEC)."""

    custom_data: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="{field api name: value} for the tenant's custom fields (see standardFields)")
    async def custom_fields(self, info: Info) -> JSON:
        return values_out(await standard_fields(info, self.SPEC.record_type), self.custom_data)  # type: ignore[attr-defined]

    @strawberry.field(description="Records of a custom object whose relation `field` points at this record")
    async def related_records(
        self, info: Info, object: str, field: str, first: int | None = None,
    ) -> Connection[Annotated["CustomRecordType", strawberry.lazy("api.custom.types")]]:
        from api.custom.related import related_connection  # api.custom builds on these types

        return await related_connection(info, self.SPEC.record_type, self.node_id, object, field, first)  # type: ignore[attr-defined]
