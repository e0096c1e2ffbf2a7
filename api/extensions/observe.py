"""Error codes, masking, metrics and logs for every operation, in one place."""

from __future__ import annotations

import time
from collections.abc import Iterator

import structlog
from graphql import DocumentNode, FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from api import metrics
from api.errors import ErrorCode, rewrite
from domain.errors import describe
from domain.i18n import negotiate

log = structlog.get_logger("tessera.api")

# Raised for requests that are not operations this endpoint runs (no query, a mutation over GET).
_TRANSPORT_ERRORS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)


def _root_fields(document: DocumentNode | None, operation_name: str | None) -> list[str]:
    """The root field names of the operation that runs (for an unnamed one's label)."""
    if document is None:
        return []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1:
        return []
    return [s.name.value for s in chosen[0].selection_set.selections if isinstance(s, FieldNode)]


def _cause(error: GraphQLError) -> str:
    """What actually went wrong, in one line: the innermost error's type and message."""
    cause: BaseException = error
    for _ in range(10):  # wrappers: GraphQL errors around the original, `raise ... from` chains
        inner = cause.original_error if isinstance(cause, GraphQLError) else cause.__cause__
        if inner is None:
            break
        cause = inner
    return describe(cause) if isinstance(cause, Exception) else repr(cause)


def _locale(context: object) -> str | None:
    """The language errors are worded in: as picked (api/extensions/locale.py), else the request's."""
    picked = getattr(context, "locale", None)
    if picked:
        return str(picked)
    request = getattr(context, "request", None)
    return negotiate(request.headers.get("accept-language")) if request is not None else None


class ObserveOperation(SchemaExtension):
    """Outermost extension: every error of the operation leaves through here, coded and masked."""

    def on_execute(self) -> Iterator[None]:
        # The document is parsed by now, so unnamed requests of named operations have their name.
        structlog.contextvars.bind_contextvars(operation=self._label())
        yield

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except _TRANSPORT_ERRORS:
            raise  # the HTTP view answers these with a 4xx status of its own
        except Exception as exc:  # noqa: BLE001 - raised by a step (parse cache, transaction...)
            # strawberry turns what we raise into the operation's only error; make it a coded one.
            error = (
                exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
            )
            (public,) = self._publish([error])
            self._record(started, [public])
            raise public from None
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = self._publish(result.errors)
        self._record(started, result.errors if result is not None else None)

    def on_stream_result(self, result: object) -> Iterator[None]:
        # Over WebSocket each result of a subscription leaves here too, coded and masked like the
        # others (publishing an already published error changes nothing).
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._publish(errors)  # type: ignore[attr-defined]
        yield

    def _label(self) -> str:
        ctx = self.execution_context
        return metrics.operation_label(
            ctx.operation_name, _root_fields(ctx.graphql_document, ctx.operation_name)
        )

    def _publish(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        locale = _locale(context)
        published = []
        for error in errors:
            public, code = rewrite(error, request_id=request_id, locale=locale)
            if code is ErrorCode.INTERNAL:
                log.error(
                    "unexpected error",
                    request_id=request_id,
                    path=error.path,
                    cause=_cause(error),
                    exc_info=error.original_error or error,
                )
            elif code is ErrorCode.UNAVAILABLE:
                log.warning(
                    "service unavailable",
                    request_id=request_id,
                    path=error.path,
                    cause=_cause(error),
                )
            published.append(public)
        return published

    def _record(self, started: float, errors: list[GraphQLError] | None) -> None:
        ctx = self.execution_context
        name = self._label()
        try:
            kind = ctx.operation_type.value
        except Exception:  # noqa: BLE001 - an unparsable document has no operation type
            kind = "invalid"
        codes = [
            (error.extensions or {}).get("code", ErrorCode.INTERNAL.value) for error in errors or []
        ]
        for code in codes:
            metrics.ERRORS.labels(code=code, operation=name).inc()
        elapsed = time.perf_counter() - started
        metrics.OPERATIONS.labels(operation=name, type=kind).inc()
        metrics.OPERATION_SECONDS.labels(operation=name, type=kind).observe(elapsed)
        log.info(
            "graphql operation",
            operation=name,
            operation_type=kind,
            duration_ms=round(elapsed * 1000, 2),
            error_codes=codes or None,
        )
