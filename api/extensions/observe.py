"""Error codes, masking, metrics and logs for every operation, in one place."""

from __future__ import annotations

import time
from collections.abc import Iterator

import structlog
from strawberry.extensions import SchemaExtension

from api import metrics
from api.errors import ErrorCode, rewrite

log = structlog.get_logger("tessera.api")


class ObserveOperation(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        # The document is parsed by now, so unnamed requests of named operations have their name.
        structlog.contextvars.bind_contextvars(operation=metrics.operation_label(self.execution_context.operation_name))
        yield

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        name = metrics.operation_label(ctx.operation_name)
        try:
            kind = ctx.operation_type.value
        except Exception:  # noqa: BLE001 - an unparsable document has no operation type
            kind = "invalid"
        request_id = getattr(ctx.context, "request_id", None)
        result = ctx.result
        codes: list[str] = []
        if result is not None and result.errors:
            rewritten = []
            for error in result.errors:
                public, code = rewrite(error, request_id=request_id)
                if code is ErrorCode.INTERNAL:
                    log.error(
                        "unexpected error",
                        request_id=request_id,
                        path=error.path,
                        exc_info=error.original_error or error,
                    )
                rewritten.append(public)
                codes.append(code.value)
                metrics.ERRORS.labels(code=code.value, operation=name).inc()
            result.errors = rewritten
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
