"""Compiled reads: a list's whole selection answered by one statement that builds the JSON.

When a query selects on a list of records only what a row holds as it is (plain columns, relay
ids, `__typename`, to-one relations read the same way, the page's `hasNextPage` /
`hasPreviousPage` and `totalCount`), the selection is compiled into a template
(domain/records/json_page.py) and PostgreSQL writes the list's JSON in the page's own statement:
the same tenant, visibility, filter, order and keyset as `list_records`, and the same joins as a
relation's lookup (api/records/prefetch.py). The resolver returns it as `CompiledJson`, which
the executor writes into the response as it is.

Anything else (fragments, directives, arguments below the list, cursors, computed fields,
custom fields, enums, other lists) is not compiled: the list takes the resolver path, which is
the reference. A template is made once per field of a parsed document (strawberry caches parsed
documents, so the same field node comes back with each request) and node type; what depends on
the caller (tenant, role, visibility, field rules) is in the statement's parameters, never in
the template.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    OperationType,
    get_named_type,
)
from strawberry.types import Info

from api.execution import default_relay_id
from api.records.record import plain_attributes
from api.records.relations import Relation, relations_of
from domain.records.includes import Include
from domain.records.json_page import (
    DATE,
    ENCODED_ID,
    PLAIN,
    TEXT,
    TIMESTAMP,
    Column,
    Const,
    HasNext,
    HasPrevious,
    NotCompilable,
    Obj,
    Related,
    Rows,
    Total,
)

# How each scalar is written, as strawberry serializes it (Python's str / isoformat).
_FORMATS = {
    "String": TEXT,
    "Int": PLAIN,
    "Boolean": PLAIN,
    "Decimal": TEXT,
    "Date": DATE,
    "DateTime": TIMESTAMP,
}
_CACHE_SIZE = 1024
_templates: dict[tuple[int, type], tuple[FieldNode, Obj | None]] = {}


def enabled(info: Info) -> bool:
    """Whether this request may answer lists compiled: an HTTP query on the planned executor."""
    raw = info._raw_info
    return (
        getattr(info.context, "compiled_reads", False)
        and raw.operation.operation is OperationType.QUERY
        and len(raw.field_nodes) == 1
    )


def page_template(info: Info, node_type: type) -> Obj | None:
    """The template of the list field being resolved, or None when it is not compilable."""
    raw = info._raw_info
    node = raw.field_nodes[0]
    key = (id(node), node_type)
    cached = _templates.get(key)
    if cached is not None and cached[0] is node:
        return cached[1]
    try:
        template: Obj | None = _Compiler(info, node_type).connection(
            node, get_named_type(raw.return_type)
        )
    except NotCompilable:
        template = None
    if len(_templates) >= _CACHE_SIZE:
        _templates.clear()
    _templates[key] = (node, template)  # keeps the node alive, so its id is not reused
    return template


class _Compiler:
    def __init__(self, info: Info, node_type: type) -> None:
        self.info = info
        self.node_type = node_type
        self.name_of = info.schema.config.name_converter.from_field

    def connection(self, node: FieldNode, connection_type: Any) -> Obj:
        entries: list[tuple[str, Any]] = []
        for field, field_def, key in self._fields(node, connection_type):
            name = field.name.value
            if name == "__typename":
                entries.append((key, Const(connection_type.name)))
            elif name == "totalCount":
                entries.append((key, Total()))
            elif name == "pageInfo":
                entries.append((key, self._page_info(field, get_named_type(field_def.type))))
            elif name == "edges":
                entries.append((key, Rows(self._edge(field, get_named_type(field_def.type)))))
            else:
                raise NotCompilable(name)
        return Obj(tuple(entries))

    def _page_info(self, node: FieldNode, page_info_type: Any) -> Obj:
        parts = {"hasNextPage": HasNext(), "hasPreviousPage": HasPrevious()}
        entries: list[tuple[str, Any]] = []
        for field, _, key in self._fields(node, page_info_type):
            name = field.name.value
            if name == "__typename":
                entries.append((key, Const(page_info_type.name)))
            elif name in parts:
                entries.append((key, parts[name]))
            else:
                raise NotCompilable(name)  # cursors are encoded in Python
        return Obj(tuple(entries))

    def _edge(self, node: FieldNode, edge_type: Any) -> Obj:
        entries: list[tuple[str, Any]] = []
        for field, field_def, key in self._fields(node, edge_type):
            name = field.name.value
            if name == "__typename":
                entries.append((key, Const(edge_type.name)))
            elif name == "node":
                entries.append(
                    (key, self._record(field, get_named_type(field_def.type), self.node_type, None))
                )
            else:
                raise NotCompilable(name)
        return Obj(tuple(entries))

    def _record(self, node: FieldNode, object_type: Any, cls: type, include: Include | None) -> Obj:
        """A record's object: the listed record (include None) or a related one."""
        plain = {self._graphql_name(cls, name): name for name in plain_attributes(cls)}
        relations: dict[str, Relation] = relations_of(cls, self.name_of) if include is None else {}
        entries: list[tuple[str, Any]] = []
        for field, field_def, key in self._fields(node, object_type):
            name = field.name.value
            if name == "__typename":
                entries.append((key, Const(object_type.name)))
            elif name == "id" and (attribute := default_relay_id(object_type, field_def)):
                if attribute != "node_id":
                    raise NotCompilable("a node id from another attribute")
                entries.append(
                    (key, Column("id", ENCODED_ID, f"{object_type.name}:", True, include))
                )
            elif name in plain:
                scalar = get_named_type(field_def.type)
                if not isinstance(scalar, GraphQLScalarType) or scalar.name not in _FORMATS:
                    raise NotCompilable(f"{name}: {scalar}")
                required = isinstance(field_def.type, GraphQLNonNull)
                entries.append(
                    (key, Column(plain[name], _FORMATS[scalar.name], "", required, include))
                )
            elif name in relations:
                entries.append((key, self._related(field, field_def, relations[name])))
            else:
                raise NotCompilable(name)
        return Obj(tuple(entries))

    def _related(self, node: FieldNode, field_def: Any, relation: Relation) -> Related:
        cls = relation.node_class()
        target_type = get_named_type(field_def.type)
        if cls is None or not isinstance(target_type, GraphQLObjectType):
            raise NotCompilable("a relation that computes its value")
        plain = {self._graphql_name(cls, name): name for name in plain_attributes(cls)}
        # The join reads the columns the selection shows, as a narrow related copy would.
        columns = tuple(
            dict.fromkeys(
                plain[field.name.value]
                for field, _, _ in self._fields(node, target_type)
                if field.name.value in plain
            )
        )
        include = Include(relation.column, relation.target, columns)
        value = self._record(node, target_type, cls, include)
        return Related(include, value, isinstance(field_def.type, GraphQLNonNull))

    def _fields(self, node: FieldNode, parent_type: Any) -> list[tuple[FieldNode, Any, str]]:
        """(field, its definition, response key) of a selection made only of plain fields, each
        key once, without arguments or directives (the list's own arguments aside)."""
        if node.selection_set is None or not isinstance(parent_type, GraphQLObjectType):
            raise NotCompilable("not an object")
        found: list[tuple[FieldNode, Any, str]] = []
        keys: set[str] = set()
        for selection in node.selection_set.selections:
            if not isinstance(selection, FieldNode) or selection.directives:
                raise NotCompilable("fragments and directives")
            if selection.arguments:
                raise NotCompilable("arguments")
            key = selection.alias.value if selection.alias else selection.name.value
            if key in keys:
                raise NotCompilable("a key selected twice")
            keys.add(key)
            name = selection.name.value
            field_def = None if name == "__typename" else parent_type.fields.get(name)
            if field_def is None and name != "__typename":
                raise NotCompilable(name)
            found.append((selection, field_def, key))
        return found

    def _graphql_name(self, cls: type, python_name: str) -> str:
        fields = {f.python_name: f for f in cls.__strawberry_definition__.fields}  # type: ignore[attr-defined]
        return str(self.name_of(fields[python_name]))
