"""Input that the GraphQL spec or PostgreSQL refuses, refused at the edge for every field at once,
so that a new field or argument is covered without a check of its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    Visitor,
    value_from_ast_untyped,
    visit,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from domain.errors import FieldError, InvalidInput
from domain.storable import TEXT_MESSAGE, unstorable_text

# Mutations take one `input` argument; their field errors name fields inside it (as the domain does).
INPUT_ARGUMENT = "input"


class StrictDocuments(SchemaExtension):
    """Selection sets need at least one field (the spec's grammar); graphql-core still accepts
    empty ones by default, and the depth limit cannot measure them."""

    def on_operation(self) -> Iterator[None]:
        # graphql-core's parse() takes it; strawberry's ParseOptions does not list it.
        self.execution_context.parse_options["allow_empty_selection_sets"] = False  # type: ignore[typeddict-unknown-key]
        yield


class RefuseUnstorableText(SchemaExtension):
    """Every text of every argument (literals, variables and their defaults, inside lists, input
    objects and JSON values, keys included) must be text PostgreSQL can store: no NUL character,
    no unpaired surrogate. Runs after authentication, before any resolver."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if not context.result and context.graphql_document is not None:
            errors = unstorable_arguments(context.graphql_document, context.variables or {})
            if errors:
                error = GraphQLError(
                    TEXT_MESSAGE, original_error=InvalidInput(errors, TEXT_MESSAGE)
                )
                context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield


def unstorable_arguments(document: DocumentNode, variables: dict[str, Any]) -> list[FieldError]:
    values = {**_variable_defaults(document), **variables}
    errors: list[FieldError] = []
    for argument in _arguments(document):
        name = argument.name.value
        errors += unstorable_text(
            value_from_ast_untyped(argument.value, values), "" if name == INPUT_ARGUMENT else name
        )
    return errors


def _variable_defaults(document: DocumentNode) -> dict[str, Any]:
    return {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for operation in document.definitions
        if isinstance(operation, OperationDefinitionNode)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }


class _ArgumentCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[ArgumentNode] = []

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        self.found.append(node)


def _arguments(document: DocumentNode) -> list[ArgumentNode]:
    collector = _ArgumentCollector()
    visit(document, collector)
    return collector.found
