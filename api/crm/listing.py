"""The lists of standard records: filters and sorting (custom fields included), keyset pages, and
the to-one relations their query selects read in the page's own statement."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.types import Info

from api.custom.standard_fields import with_custom_fields
from api.execution import CompiledJson
from api.permissions import principal_of
from api.records import compiled, prefetch
from api.records.filters import to_domain_filter
from api.records.ordering import to_domain_order
from api.records.pagination import Connection, listing_connection, page_of
from domain.records.json_page import NotCompilable, page_json
from domain.records.listing import list_records
from domain.records.spec import RecordSpec

SEARCH = strawberry.argument(
    description="Words (or word beginnings) in names, emails, phones, company; "
    "Chinese, Japanese and Korean text matches anywhere inside them"
)


async def list_connection(
    info: Info,
    spec: RecordSpec,
    node_type: Any,
    filter: Any,
    order_by: list[Any] | None,
    first: int | None,
    after: str | None,
    search: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[Any]:
    """A page of `spec` records as `node_type` (which has `from_row`), as the caller may see them:
    written as JSON by PostgreSQL when the selection compiles (api/records/compiled.py)."""
    order = to_domain_order(order_by)
    spec, domain_filter = await with_custom_fields(info, spec, to_domain_filter(filter), order)
    page = page_of(first, after, last, before)
    # Forward pages only: a backward page is read in reverse and turned round in Python.
    if (
        not page.backward
        and page.before is None
        and compiled.enabled(info)
        and (template := compiled.page_template(info, node_type))
    ):
        try:
            text = await page_json(
                spec,
                template,
                principal=principal_of(info),
                filter=domain_filter,
                order=order,
                first=page.size,
                after=page.after,
                search=search,
            )
        except NotCompilable:
            text = None  # e.g. a relation to records the caller may not read: the resolver says why
        if text is not None:
            # Not a Connection: the executor writes the JSON into the response as it is.
            return cast(Connection[Any], CompiledJson(text))
    relations = prefetch.plan(info, node_type)
    listing = await list_records(
        spec,
        principal=principal_of(info),
        filter=domain_filter,
        order=order,
        search=search,
        include=[r.include for r in relations],
        **page.listing_args(),
    )
    return listing_connection(
        listing, prefetch.converter(info, relations, listing, node_type.from_row)
    )
