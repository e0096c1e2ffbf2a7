"""Lists read the to-one relations their query selects in the page's own statement.

For each relation field selected on a list's nodes (`customer`, `owner`, `stage`...: fields made
by `relation(...)` or marked with `reads_related(...)`, api/records/relations.py), the list joins
the related row (see domain/records/includes.py). Two ways to hand it over:

- when the selection below the field reads only plain columns (`customer { id name }`, see
  `plain_attributes` in api/records/record.py), only those columns are read and each node carries
  the related object in `_prefetched` (see api/execution/), built with just those attributes;
- otherwise the whole row is read and handed to the field's loader, so that its resolver finds it
  without a statement of its own.

Either way the answer is the one the resolver would give: the same record, or null when it is
missing, deleted or not visible to the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from api.records import loaders
from api.records.record import plain_attributes
from api.records.relations import Relation, relations_of
from domain.records.includes import Include
from domain.records.listing import Listing


@dataclass(frozen=True)
class Planned:
    """A relation field selected on a list's nodes, and how the list reads it."""

    field: str  # GraphQL name of the relation field
    relation: Relation
    include: Include  # its columns are a narrow copy's attributes; None: whole rows for the loader


def _node_selections(info: Info) -> dict[str, list[list[Any]]]:
    """For each field selected on `edges { node { ... } }`, the selections below each occurrence."""
    found: dict[str, list[list[Any]]] = {}

    def walk(selections: list[Any], path: tuple[str, ...]) -> None:
        for selection in selections:
            if not isinstance(selection, SelectedField):  # fragments: the same level
                walk(selection.selections, path)
            elif path:
                if selection.name == path[0]:
                    walk(selection.selections, path[1:])
            else:
                found.setdefault(selection.name, []).append(selection.selections)

    for field in info.selected_fields:
        walk(field.selections, ("edges", "node"))
    return found


_PLAIN: dict[type, dict[str, str]] = {}


def _plain_fields(info: Info, cls: type) -> dict[str, str]:
    """{GraphQL name: python attribute} of the fields of `cls` that are a column as it is."""
    if cls not in _PLAIN:
        converter = info.schema.config.name_converter
        fields = {f.python_name: f for f in cls.__strawberry_definition__.fields}  # type: ignore[attr-defined]
        _PLAIN[cls] = {converter.from_field(fields[name]): name for name in plain_attributes(cls)}
    return _PLAIN[cls]


def _narrow(info: Info, relation: Relation, occurrences: list[list[Any]]) -> tuple[str, ...] | None:
    """The attributes (each its column) a narrow copy needs, or None when the selections read more
    than plain columns (other relations, lists, computed fields, fragments)."""
    cls = relation.node_class()
    if cls is None:
        return None
    plain = _plain_fields(info, cls)
    attributes: dict[str, None] = {}
    for selections in occurrences:
        for selection in selections:
            if not isinstance(selection, SelectedField):
                return None
            if selection.name in ("id", "__typename"):
                continue
            if selection.name not in plain:
                return None
            attributes[plain[selection.name]] = None
    return tuple(attributes)


def plan(info: Info, node_type: type) -> list[Planned]:
    """The relations of `node_type` that the query selects on a list's nodes, and how to read each."""
    relations = relations_of(node_type, info.schema.config.name_converter.from_field)
    if not relations:
        return []
    selected = _node_selections(info)
    return [
        Planned(
            field,
            relation,
            Include(relation.column, relation.target, _narrow(info, relation, selected[field])),
        )
        for field, relation in relations.items()
        if field in selected
    ]


def _copy(cls: Any, row: dict[str, Any], attributes: tuple[str, ...]) -> Any:
    """An instance of `cls` with only `attributes` (and its node id) set: what a narrow selection
    reads of it."""
    copy = cls.__new__(cls)
    copy.__dict__.update({attribute: row[attribute] for attribute in attributes})
    copy.__dict__[cls.resolve_id_attr()] = str(row["id"])
    return copy


def converter(
    info: Info,
    planned: list[Planned],
    listing: Listing,
    convert: Callable[[dict[str, Any]], Any],
) -> Callable[[dict[str, Any]], Any]:
    """`convert` for the listing's rows, each node carrying what its narrow relations read; whole
    related rows go to the loaders."""
    narrow: list[tuple[str, str, dict[Any, Any]]] = []
    for item in planned:
        rows = listing.related.get(item.include)
        if rows is None:
            continue  # not joined (the caller may not read the target): the resolver says why
        attributes = item.include.columns
        if attributes is None:
            loaders.rows_of(info, item.relation.target).prime_many(rows)
        else:
            cls = item.relation.node_class()
            copies = {
                key: None if row is None else _copy(cls, row, attributes)
                for key, row in rows.items()
            }
            narrow.append((item.field, item.relation.column, copies))
    if not narrow:
        return convert

    def convert_with_relations(row: dict[str, Any]) -> Any:
        node = convert(row)
        node._prefetched = {field: copies.get(row[column]) for field, column, copies in narrow}
        return node

    return convert_with_relations
