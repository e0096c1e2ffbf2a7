"""FastExecutor: graphql-core's executor with shortcuts along planned fields (see __init__.py)."""

from __future__ import annotations

from types import GeneratorType
from typing import Any, cast

from graphql import GraphQLObjectType, GraphQLOutputType, Undefined
from graphql.pyutils import Path, gather_with_cancel
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.execution.compiled import CompiledJson
from api.execution.plan import (
    ATTRIBUTE,
    LEAF,
    LIST,
    OBJECT,
    RELAY_ID,
    RESOLVER,
    TYPENAME,
    Completion,
    PlannedField,
    plan_field,
)

_FAILED = object()
# Values that are never awaitable, checked before anything slower.
_SYNC = frozenset({dict, list, str, int, float, bool, type(None)})


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Plans of this operation, keyed by the id of what they plan; each entry keeps that
        # object alive, so its id cannot be reused while the operation runs.
        self._plans: dict[int, tuple[Any, list[PlannedField]]] = {}
        self._subplans: dict[int, tuple[Any, list[PlannedField] | None]] = {}
        self._awaitable_types: dict[type, bool] = {}
        middleware = self.middleware_manager
        # A schema extension with a `resolve` hook must see every field: then nothing is skipped.
        self._shortcuts = middleware is None or not middleware.middlewares
        strawberry_schema = self.schema._strawberry_schema  # type: ignore[attr-defined]
        # Exception handlers wrap resolvers, so resolvers are then called the usual way; so they
        # are too on a strawberry that does not say whether it has any.
        handlers = getattr(
            getattr(strawberry_schema, "schema_converter", None), "_exception_handler_specs", None
        )
        self._info_class = (
            strawberry_schema.config.info_class if handlers is not None and not handlers else None
        )

    def build_per_event_executor(self, payload: Any) -> FastExecutor:
        # A subscription's events each collect their own fields: plans of one event are of no use
        # to the next, and sharing the dicts would keep every event's plans alive.
        executor = cast(FastExecutor, super().build_per_event_executor(payload))
        executor._plans, executor._subplans = {}, {}
        return executor

    # -- fields -----------------------------------------------------------------------------

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        if position_context is not None or not self._shortcuts:  # @defer in play, or resolve hooks
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        return self._execute_plan(
            parent_type, source_value, path, self.plan_fields(parent_type, grouped_field_set)
        )

    def plan_fields(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> list[PlannedField]:
        """The plan of a selection of `parent_type` (made once per operation): how each field gets
        its value (PlannedField.source) and completes."""
        cached = self._plans.get(id(grouped_field_set))
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        plan = [
            plan_field(
                parent_type,
                name,
                details,
                self.schema.get_field(parent_type, details[0].node.name.value),
                self._info_class,
            )
            for name, details in grouped_field_set.items()
        ]
        self._plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan

    def _execute_plan(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        plan: list[PlannedField],
    ) -> Any:
        """execute_fields along a plan."""
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        try:
            for field in plan:
                name = field.name
                source = field.source
                if source == ATTRIBUTE:
                    try:
                        getter = field.getter
                        value = (
                            getattr(source_value, field.read)
                            if getter is None
                            else getter(source_value, field.read)
                        )
                    except Exception:  # noqa: BLE001 - the generic path reports it
                        value = _FAILED
                    if value is _FAILED:
                        result = self._generic(field, source_value, path)
                    elif field.completion.kind == LEAF:  # the hot path: a column of a record
                        result = self._leaf(field.completion, value)
                        if (
                            result is Undefined
                        ):  # nulls where not allowed, odd values: graphql-core decides
                            result = self._generic(field, source_value, path)
                    else:
                        result = self._finish(field, Path(path, name, parent_type.name), value)
                elif source == RESOLVER:
                    field_path = Path(path, name, parent_type.name)
                    key = field.prefetch_key
                    if (
                        key is not None
                        and (known := getattr(source_value, "_prefetched", None)) is not None
                        and key in known
                    ):
                        result = self._finish(field, field_path, known[key])
                    else:
                        try:
                            value = field.read(source_value, self._info(field, field_path))
                        except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles it
                            self.handle_field_error(
                                raw_error, field.field_def.type, field.details, field_path
                            )
                            result = None
                        else:
                            result = self._finish(field, field_path, value)
                elif source == RELAY_ID:
                    # What relay's Node.id resolver returns, without its info and three calls.
                    node_id = (
                        getattr(source_value, field.read, None)
                        if isinstance(source_value, relay.Node)
                        else None
                    )
                    result = Undefined
                    if node_id is not None and type(node_id) in _SYNC:
                        result = self._leaf(
                            field.completion,
                            relay.GlobalID(type_name=parent_type.name, node_id=str(node_id)),
                        )
                    if result is Undefined:
                        result = self._generic(field, source_value, path)
                elif source == TYPENAME:
                    result = parent_type.name
                else:
                    result = self._generic(field, source_value, path)
                if result is not Undefined:
                    results[name] = result
                    if type(result) not in _SYNC and self._awaitable(result):
                        awaitable_fields.append(name)
        except Exception:
            self._settle_pending(results, awaitable_fields)
            raise
        if not awaitable_fields:
            return results
        return self._gather_fields(results, awaitable_fields)

    def _generic(self, field: PlannedField, source_value: Any, path: Path | None) -> Any:
        """graphql-core's execute_field for a planned field."""
        return self.execute_field(
            field.parent_type,
            source_value,
            field.details,
            Path(path, field.name, field.parent_type.name),
            None,
        )

    def _settle_pending(self, values: Any, keys: list[Any]) -> None:
        """On the way out with an error: let the awaitables at `keys` finish in the background, as
        graphql-core does, so their own errors are not lost."""
        if keys:
            self.settle_in_background([values[key] for key in keys])

    def _info(self, field: PlannedField, field_path: Path) -> Any:
        return self.build_resolve_info(field.field_def, field.nodes, field.parent_type, field_path)

    def _awaitable(self, value: Any) -> bool:
        kind = type(value)
        known = self._awaitable_types.get(kind)
        if known is None:
            known = self.is_awaitable(value)
            if (
                kind is not GeneratorType
            ):  # whether a generator is awaitable depends on the generator
                self._awaitable_types[kind] = known
        return known

    def _finish(self, field: PlannedField, field_path: Path, result: Any) -> Any:
        """The rest of execute_field once a planned field has its value."""
        try:
            if type(result) not in _SYNC and self._awaitable(result):
                return self._complete_awaited(field, field_path, result)
            completed = self._complete(field.completion, field, field_path, field_path, result)
            if type(completed) not in _SYNC and self._awaitable(completed):
                return self._settle(completed, field.field_def.type, field, field_path)
        except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles it
            self.handle_field_error(raw_error, field.field_def.type, field.details, field_path)
            return None
        return completed

    async def _complete_awaited(self, field: PlannedField, field_path: Path, result: Any) -> Any:
        try:
            resolved = await self.with_abort_signal(result)
            completed = self._complete(field.completion, field, field_path, field_path, resolved)
            if type(completed) not in _SYNC and self._awaitable(completed):
                completed = await completed
        except Exception as raw_error:  # noqa: BLE001
            self.handle_field_error(raw_error, field.field_def.type, field.details, field_path)
            return None
        return completed

    async def _settle(
        self, completed: Any, return_type: GraphQLOutputType, field: PlannedField, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:  # noqa: BLE001
            self.handle_field_error(raw_error, return_type, field.details, path)
            return None

    # -- values -----------------------------------------------------------------------------

    def _leaf(self, completion: Completion, value: Any) -> Any:
        """The coerced value, or Undefined when graphql-core must decide (nulls, odd values)."""
        if value is None:
            return Undefined if completion.non_null else None
        if type(value) not in _SYNC and (isinstance(value, Exception) or self._awaitable(value)):
            return Undefined
        try:
            coerced = completion.coerce(value)
        except Exception:  # noqa: BLE001 - the generic path reports it
            return Undefined
        return Undefined if coerced is None else coerced

    def _complete(
        self, completion: Completion, field: PlannedField, field_path: Path, path: Path, result: Any
    ) -> Any:
        """complete_value along a plan; raises as complete_value raises."""
        if type(result) is CompiledJson:
            return result.fragment()
        kind = completion.kind
        if result is None:
            if not completion.non_null:
                return None
        elif kind == OBJECT:
            if (
                not isinstance(result, Exception)
                and (plan := self._subplan(completion.object_type, field.details)) is not None
            ):
                is_type_of = completion.is_type_of
                if (
                    is_type_of is None
                    or is_type_of(
                        result,
                        self._info(field, field_path) if completion.type_check_reads_info else None,
                    )
                    is True
                ):
                    return self._execute_plan(completion.object_type, result, path, plan)
        elif kind == LEAF:
            completed = self._leaf(completion, result)
            if completed is not Undefined:
                return completed
        elif kind == LIST and type(result) in (list, tuple):
            return self._complete_list(completion.item, field, field_path, path, result)
        # Nulls where they are not allowed, wrong types, abstract types: graphql-core's way.
        return self.complete_value(
            completion.type, field.details, self._info(field, field_path), path, result, None
        )

    def complete_value(
        self, return_type, field_details_list, info, path, result, position_context
    ):  # graphql-core's, for the fields it executes itself (those with arguments)
        if type(result) is CompiledJson:
            return result.fragment()
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _subplan(self, object_type: GraphQLObjectType, details: Any) -> list[PlannedField] | None:
        """The plan of an object field's subfields (None when @defer splits them)."""
        cached = self._subplans.get(id(details))
        if cached is not None and cached[0] is details:
            return cached[1]
        grouped_field_set, new_defer_usages, _forbidden = self.collect_subfields(
            object_type, details
        )
        plan = None if new_defer_usages else self.plan_fields(object_type, grouped_field_set)
        self._subplans[id(details)] = (details, plan)
        return plan

    def _complete_list(
        self, item: Completion, field: PlannedField, field_path: Path, path: Path, items: Any
    ) -> Any:
        """complete_iterable_value for a list or tuple."""
        item_type = item.type
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, value in enumerate(items):
                item_path = Path(path, index, None)
                if type(value) not in _SYNC and self._awaitable(value):
                    completed.append(
                        self.complete_awaitable_list_item_value(
                            value,
                            item_type,
                            field.details,
                            self._info(field, field_path),
                            item_path,
                            None,
                        )
                    )
                    awaitable_indices.append(index)
                    continue
                try:
                    done = self._complete(item, field, field_path, item_path, value)
                    if type(done) not in _SYNC and self._awaitable(done):
                        done = self._settle(done, item_type, field, item_path)
                        awaitable_indices.append(index)
                except Exception as raw_error:  # noqa: BLE001 - as graphql-core's complete_list_item_value
                    self.handle_field_error(raw_error, item_type, field.details, item_path)
                    done = None
                completed.append(done)
        except Exception:
            self._settle_pending(completed, awaitable_indices)
            raise
        if not awaitable_indices:
            return completed
        return self._gather_items(completed, awaitable_indices)

    @staticmethod
    async def _gather_fields(
        results: dict[str, Any], awaitable_fields: list[str]
    ) -> dict[str, Any]:
        await _gather_into(results, awaitable_fields)
        return results

    @staticmethod
    async def _gather_items(completed: list[Any], awaitable_indices: list[int]) -> list[Any]:
        await _gather_into(completed, awaitable_indices)
        return completed


async def _gather_into(values: Any, keys: list[Any]) -> None:
    """Replace the awaitables at `keys` of `values` by their results, as graphql-core does."""
    if len(keys) == 1:  # one awaitable: no task for it
        values[keys[0]] = await values[keys[0]]
        return
    awaited = await gather_with_cancel(*(values[key] for key in keys))
    for key, value in zip(keys, awaited, strict=True):
        values[key] = value
