"""Planning a selection once per operation: how each field gets its value and how it completes.

The executor (executor.py) follows these plans for every object of a list, so everything that
can be decided once (which resolver, which shortcut, which coercion) is decided here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_leaf_type,
)
from graphql.execution.executor import to_nodes
from strawberry import relay
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

# How a planned field gets its value.
ATTRIBUTE = 0  # strawberry's "basic field": an attribute of the source
RESOLVER = 1  # a resolver without arguments or extensions, called directly
RELAY_ID = 2  # relay's Node.id with relay's own resolve_id and resolve_typename
TYPENAME = 3
GENERIC = 4  # graphql-core's execute_field

# How a value completes.
LEAF, OBJECT, LIST, OTHER = range(4)

_NODE_ID = next(
    f
    for f in relay.Node.__strawberry_definition__.fields  # type: ignore[attr-defined]
    if f.python_name == "_id"
).base_resolver


class Prefetched:
    """Mixin for types whose resolver fields a parent may have answered already: `_prefetched`
    maps a field's GraphQL name to its value, which must be what the resolver would return."""

    _prefetched: ClassVar[dict[str, Any] | None] = None


class Completion:
    """complete_value's decisions for one type, made once."""

    __slots__ = (
        "coerce",
        "is_type_of",
        "item",
        "kind",
        "non_null",
        "object_type",
        "type",
        "type_check_reads_info",
    )

    # Each is set for its kind only (and None otherwise), which the executor checks first.
    coerce: Callable[[Any], Any]  # LEAF
    object_type: GraphQLObjectType  # OBJECT
    item: Completion  # LIST
    is_type_of: Callable[..., Any] | None  # OBJECT, when the type has one

    def __init__(self, field_type: GraphQLOutputType, streamed: bool) -> None:
        self.type = field_type  # this level's type, NonNull included
        self.non_null = isinstance(field_type, GraphQLNonNull)
        named = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        self.coerce = self.object_type = self.item = None  # type: ignore[assignment]
        self.is_type_of = None
        self.type_check_reads_info = False
        if is_leaf_type(named):
            self.kind, self.coerce = LEAF, named.coerce_output_value
        elif isinstance(named, GraphQLObjectType):
            self.kind, self.object_type, self.is_type_of = OBJECT, named, named.is_type_of
            self.type_check_reads_info = not _strawberry_type_check(named.is_type_of)
        elif isinstance(named, GraphQLList) and not streamed:
            self.kind, self.item = (
                LIST,
                Completion(named.of_type, streamed=False),
            )  # inner lists never stream
        else:
            self.kind = OTHER  # abstract types, streamed lists: graphql-core completes them


class PlannedField:
    """One response key of a selection."""

    __slots__ = (
        "completion",
        "details",
        "field_def",
        "getter",
        "name",
        "nodes",
        "parent_type",
        "prefetch_key",
        "read",
        "source",
    )

    def __init__(
        self,
        name: str,
        details: Any,
        field_def: GraphQLField | None,
        parent_type: GraphQLObjectType,
    ) -> None:
        self.name = name
        self.details = details  # graphql-core's FieldDetailsList
        self.nodes = to_nodes(details)
        # None only for a field the schema lacks, left GENERIC: the executor never reads it then.
        self.field_def: GraphQLField = field_def  # type: ignore[assignment]
        self.parent_type = parent_type
        self.source = GENERIC
        self.read: Any = None  # attribute name, direct resolver or node id attribute
        self.getter: Callable[[Any, str], Any] | None = (
            None  # strawberry's default resolver when not getattr
        )
        self.completion: Completion = None  # type: ignore[assignment]  # set whenever field_def is
        self.prefetch_key: str | None = None  # where `_prefetched` holds the value


def plan_field(
    parent_type: GraphQLObjectType,
    name: str,
    details: Any,
    field_def: GraphQLField | None,
    info_class: type | None,
) -> PlannedField:
    """How to execute one field; `info_class` is None when resolvers must not be called directly."""
    field = PlannedField(name, details, field_def, parent_type)
    if field_def is None:
        return field
    node = details[0].node
    streamed = any(
        directive.name.value == "stream" for d in details for directive in d.node.directives or ()
    )
    field.completion = Completion(field_def.type, streamed)
    definition = field_def.extensions.get("strawberry-definition")
    if node.name.value == "__typename":
        field.source = TYPENAME
    elif not isinstance(definition, StrawberryField):
        pass
    elif definition.is_subscription:
        pass  # its resolve hands on the event; its resolver is the event source
    elif (
        _resolves_as(field_def, "_get_basic_result")
        and definition.is_basic_field
        and type(definition).get_result is StrawberryField.get_result
    ):
        # strawberry's "basic field": no resolver, no extensions, no exception handlers.
        default = definition.default_resolver
        field.source, field.read = ATTRIBUTE, definition.python_name
        field.getter = None if default is getattr else default
    elif (
        info_class is not None
        and not field_def.args
        and not node.arguments
        and (_resolves_as(field_def, "_resolver") or _resolves_as(field_def, "_async_resolver"))
    ):
        if (id_attribute := _default_node_id(definition, parent_type)) is not None:
            field.source, field.read = RELAY_ID, id_attribute
        elif (direct := _direct_resolver(definition, info_class)) is not None:
            field.source, field.read = RESOLVER, direct
            if _prefetchable(parent_type):
                field.prefetch_key = node.name.value
    return field


def _resolves_as(field_def: GraphQLField, name: str) -> bool:
    """Whether the field resolves through the wrapper strawberry built for it under that name
    (anything else, a resolve set by other means, is left to graphql-core)."""
    resolve = field_def.resolve
    return (
        resolve is not None
        and getattr(resolve, "__name__", None) == name
        and (getattr(resolve, "__qualname__", "").startswith("GraphQLCoreConverter.from_resolver."))
    )


def _origin(object_type: GraphQLObjectType) -> Any:
    return getattr(object_type.extensions.get("strawberry-definition"), "origin", None)


def _prefetchable(object_type: GraphQLObjectType) -> bool:
    origin = _origin(object_type)
    return isinstance(origin, type) and issubclass(origin, Prefetched)


def _strawberry_type_check(is_type_of: Callable[..., Any] | None) -> bool:
    # strawberry generates `is_type_of(obj, _info)` for its types and never reads the info; a
    # type's own is_type_of gets a real one.
    return is_type_of is not None and is_type_of.__qualname__.endswith(
        "._get_is_type_of.<locals>.is_type_of"
    )


def default_relay_id(object_type: GraphQLObjectType, field_def: GraphQLField) -> str | None:
    """The attribute holding the node id when `field_def` is relay's `id` of `object_type` with
    relay's own resolve_id and resolve_typename (the id is then GlobalID(type name, attribute))."""
    definition = field_def.extensions.get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        return None
    return _default_node_id(definition, object_type)


def _default_node_id(definition: StrawberryField, parent_type: GraphQLObjectType) -> str | None:
    """The attribute holding the node id when the field is relay's `id` on a type that keeps
    relay's resolve_id and resolve_typename: the id is then GlobalID(type name, that attribute)."""
    resolver = definition.base_resolver
    if (
        resolver is None
        or getattr(resolver, "_unbound_wrapped_func", None) is not _NODE_ID._unbound_wrapped_func
    ):
        return None
    origin = _origin(parent_type)
    if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
        return None
    # The functions under the classmethods: an override is a different function.
    if (
        origin.resolve_id.__func__ is not relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
        or origin.resolve_typename.__func__ is not relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]
    ):
        return None
    return origin.resolve_id_attr()


def _direct_resolver(
    definition: StrawberryField, info_class: type
) -> Callable[[Any, Any], Any] | None:
    """The resolver called the way strawberry calls one without arguments, minus its wrappers."""
    resolver = definition.base_resolver
    if (
        resolver is None
        or definition.extensions
        or type(definition).get_result is not StrawberryField.get_result
        or type(resolver).__call__ is not StrawberryResolver.__call__
        or not callable(resolver.wrapped_func)
    ):
        return None
    func = resolver.wrapped_func
    pass_self = resolver.self_parameter is not None
    source_names = tuple(
        p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None
    )
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def call(source: Any, raw_info: Any) -> Any:
        kwargs = dict.fromkeys(source_names, source)
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=raw_info, _field=definition)
        return func(source, **kwargs) if pass_self else func(**kwargs)

    return call
