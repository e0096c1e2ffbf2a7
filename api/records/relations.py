"""Relations between record types, each declared once, on the field that shows it.

`relation(...)` makes a to-one field (an opportunity's `customer`, a record's `owner`): its
resolver reads the record through the request's loader, and the field carries the `Relation`
that lists read to join the related rows in the page's own statement (api/records/prefetch.py).
`reads_related(...)` marks a field that computes its value from a related row (an opportunity's
`probability`, from its stage), so lists join that row for it too. `related_list(...)` makes a
to-many field (a customer's `contacts`): the first page of the records that point at this one.

Types of other modules are named with `lazy_type("api.crm.customers", "CustomerType")` (that is
`Annotated["CustomerType", strawberry.lazy("api.crm.customers")]`), so record types may point at
each other without importing each other; the class is looked up when a resolver first needs it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ForwardRef, Optional, get_args, get_origin

import strawberry
from strawberry.types import Info
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import StrawberryLazyReference

from api.records import loaders
from api.records.pagination import Connection, listing_connection, page_of
from domain.records.spec import RecordSpec

# Where a field keeps its Relation (strawberry keeps a field's metadata for its users).
RELATION = "tessera.relation"


@dataclass(frozen=True)
class Relation:
    """The listed record's `column` points at a `target` record (a member of the tenant when
    None). `type` is the field's GraphQL type (a class or a lazy reference) when the field
    answers with that record as it is, so a narrow copy can stand in for it; None when the field
    computes something from the related row."""

    column: str
    target: RecordSpec | None
    type: Any = None

    def node_class(self) -> type | None:
        return None if self.type is None else resolve_type(self.type)


def lazy_type(module: str, name: str) -> Any:
    """The type `name` of `module` for annotations and relations, imported by strawberry when the
    schema is built: `Annotated["name", strawberry.lazy("module")]`, spelled so that linters do
    not look for `name` in the module that refers to it."""
    return Annotated[ForwardRef(name), strawberry.lazy(module)]


def resolve_type(annotation: Any) -> Any:
    """The class an annotation names: itself, or the class a lazy reference points at (Any: its
    callers use what they know the class has, from_row...)."""
    return _resolve(annotation) if get_origin(annotation) is Annotated else annotation


@cache
def _resolve(annotation: Any) -> type:
    name, *extras = get_args(annotation)
    reference = next(extra for extra in extras if isinstance(extra, StrawberryLazyReference))
    forward = name if isinstance(name, ForwardRef) else ForwardRef(name)
    return reference.resolve_forward_ref(forward).resolve_type()


def relation(
    *, column: str, target: RecordSpec | None, type: Any, description: str | None = None
) -> Any:
    """A to-one field: the `target` record (a member when None) that the `column` attribute
    points at, as `type`; null when there is none or the caller may not see it."""
    declared = Relation(column, target, type)

    def resolve(self: Any, info: Info) -> Any:
        convert = resolve_type(type).from_row
        return loaders.related(loaders.rows_of(info, target), getattr(self, column), convert)

    resolve.__annotations__ = {"info": Info, "return": Optional[type]}  # noqa: UP045 - `type` may be a lazy reference
    return strawberry.field(
        resolver=resolve, description=description, metadata={RELATION: declared}
    )


def reads_related(*, column: str, target: RecordSpec) -> dict[str, Relation]:
    """Metadata for a field computed from the `target` record its `column` points at:
    `@strawberry.field(metadata=reads_related(column=..., target=...))`."""
    return {RELATION: Relation(column, target)}


def related_list(*, target: RecordSpec, column: str, type: Any, description: str) -> Any:
    """A to-many field: the first page (at most MAX_NESTED_PAGE) of the `target` records whose
    `column` points at this record, as `type`."""

    async def resolve(
        self: Any,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Any:
        page = page_of(first, after, last, before, nested=True)
        listing = await loaders.children(info, target, column, page).load(uuid.UUID(self.node_id))
        return listing_connection(listing, resolve_type(type).from_row)

    resolve.__annotations__ = {
        "info": Info,
        "first": Optional[int],  # noqa: UP045
        "after": Optional[str],  # noqa: UP045
        "last": Optional[int],  # noqa: UP045
        "before": Optional[str],  # noqa: UP045
        "return": Connection[type],
    }
    return strawberry.field(resolver=resolve, description=description)


_DECLARED: dict[type, dict[str, Relation]] = {}


def relations_of(node_type: type, name_of: Any) -> dict[str, Relation]:
    """{GraphQL field name: Relation} of the to-one relations a type declares; `name_of` is the
    schema's name converter's `from_field`."""
    if node_type not in _DECLARED:
        definition = getattr(node_type, "__strawberry_definition__", None)
        fields: list[StrawberryField] = definition.fields if definition is not None else []
        _DECLARED[node_type] = {
            name_of(f): f.metadata[RELATION] for f in fields if RELATION in (f.metadata or {})
        }
    return _DECLARED[node_type]
