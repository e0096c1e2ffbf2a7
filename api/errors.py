"""One closed set of error codes, and the mapping from domain failures to GraphQL errors."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from graphql import GraphQLError
from strawberry.relay import GlobalID
from strawberry.relay.types import GlobalIDValueError

from api.names import client_name, client_text
from domain import errors as domain
from domain.duplicates.checks import DuplicateFound
from domain.duplicates.fields import STANDARD
from domain.i18n import error_message, field_message
from tenants.database import is_unreachable


class ErrorCode(str, Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"
    INTERNAL = "INTERNAL"
    # Not a failure of the operation: the APQ protocol's request for the document (api/persisted_queries.py).
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"


_DOMAIN_CODES: dict[type[domain.DomainError], ErrorCode] = {
    domain.Unauthenticated: ErrorCode.UNAUTHENTICATED,
    domain.Forbidden: ErrorCode.FORBIDDEN,
    domain.NotFound: ErrorCode.NOT_FOUND,
    domain.Conflict: ErrorCode.CONFLICT,
    domain.InvalidInput: ErrorCode.BAD_USER_INPUT,
    domain.RateLimited: ErrorCode.RATE_LIMITED,
    domain.Unavailable: ErrorCode.UNAVAILABLE,
}

INTERNAL_MESSAGE = "Internal server error"


class ApiError(GraphQLError):
    """An error raised by the API layer itself, already carrying its code."""

    def __init__(self, code: ErrorCode, message: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code.value, **extensions})


def rate_limited(retry_after_seconds: float) -> ApiError:
    """RATE_LIMITED, with the wait in the error (and so in the HTTP Retry-After header, see refusal)."""
    return ApiError(
        ErrorCode.RATE_LIMITED, "Too many requests", retryAfterSeconds=retry_after_seconds
    )


# Answers refused for the moment get an HTTP status of their own, so that HTTP clients and proxies
# back off on the status and Retry-After alone; the GraphQL body stays as it is.
_REFUSAL_STATUS = {ErrorCode.UNAVAILABLE.value: 503, ErrorCode.RATE_LIMITED.value: 429}


def refusal(results: Sequence[Mapping[str, Any]]) -> tuple[int, int] | None:
    """(HTTP status, Retry-After seconds) when every operation of an answer (one, or a batch) was
    refused with UNAVAILABLE or RATE_LIMITED; None otherwise (the answer is 200)."""
    statuses, waits = [], []
    for result in results:
        refused = [
            error.get("extensions") or {}
            for error in result.get("errors") or []
            if (error.get("extensions") or {}).get("code") in _REFUSAL_STATUS
        ]
        if not refused:
            return None
        statuses += [_REFUSAL_STATUS[extensions["code"]] for extensions in refused]
        waits += [float(extensions.get("retryAfterSeconds") or 1) for extensions in refused]
    if not statuses:
        return None
    return max(statuses), max(1, math.ceil(max(waits)))


def classify(error: GraphQLError, locale: str | None = None) -> tuple[ErrorCode, dict[str, object]]:
    """The code for an error and any extensions to add (field errors worded in `locale`);
    INTERNAL means 'mask and log it'."""
    code = (error.extensions or {}).get("code")
    if code in ErrorCode.__members__:
        return ErrorCode(code), {}
    original = error.original_error
    if original is None:
        # Syntax, validation (including depth/token/alias limits) and variable coercion errors.
        return ErrorCode.BAD_USER_INPUT, {}
    if isinstance(original, GraphQLError):
        return classify(original, locale)
    for cls, mapped in _DOMAIN_CODES.items():
        if isinstance(original, cls):
            return mapped, _domain_extensions(original, locale)
    if _is_bad_global_id(original):
        return ErrorCode.BAD_USER_INPUT, {}
    if is_unreachable(original):
        return ErrorCode.UNAVAILABLE, {"retryAfterSeconds": domain.Unavailable.RETRY_AFTER_SECONDS}
    return ErrorCode.INTERNAL, {}


def _domain_extensions(error: domain.DomainError, locale: str | None = None) -> dict[str, object]:
    if isinstance(error, domain.InvalidInput):
        return {
            "fieldErrors": [
                {
                    "field": client_name(fe.field),
                    "code": fe.code,
                    "message": field_message(client_text(fe.message), fe.code, locale),
                }
                for fe in error.field_errors
            ]
        }
    if isinstance(error, DuplicateFound):
        # Global ids spelled out here: this module sits below the API's id helpers.
        return {
            "duplicates": [
                {"id": _global_id(m.record_type, str(m.record_id)), "rule": m.rule_name}
                for m in error.matches
            ],
            "hiddenDuplicates": error.hidden,
            "reason": error.reason,
        }
    if isinstance(error, (domain.RateLimited, domain.Unavailable)):
        return {"retryAfterSeconds": error.retry_after_seconds}
    if isinstance(error, domain.Conflict) and error.reason:
        return {
            "reason": error.reason,
            **{name: str(GlobalID(kind, str(value))) for name, (kind, value) in error.refs.items()},
        }
    return {}


def _global_id(record_type: str, record_id: str) -> str:
    type_name = record_type if record_type in STANDARD else "CustomRecord"
    return str(GlobalID(type_name, record_id))


def _is_bad_global_id(error: Exception) -> bool:
    return isinstance(error, GlobalIDValueError)


def _worded_by_us(error: GraphQLError, code: ErrorCode) -> bool:
    """Messages Tessera wrote (domain and API errors, masked ones); graphql-core's own texts about a
    document (syntax, unknown fields, variable types) stay as written, for the developer reading them."""
    if code in (ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE):
        return True
    original = error.original_error
    return (
        isinstance(error, ApiError)
        or isinstance(original, (domain.DomainError, ApiError))
        or (error.extensions or {}).get("code") in ErrorCode.__members__
    )


def rewrite(
    error: GraphQLError, *, request_id: str | None, locale: str | None = None
) -> tuple[GraphQLError, ErrorCode]:
    """The error as the client sees it: coded, masked when unexpected, its message in `locale`
    (docs/service-levels.md: codes and field paths stay the same in every language)."""
    code, extra = classify(error, locale)
    extensions = {**(error.extensions or {}), **extra, "code": code.value}
    message = error.message
    if code is ErrorCode.INTERNAL:
        message = INTERNAL_MESSAGE
        extensions = {"code": code.value}
        if request_id:
            extensions["requestId"] = request_id
    elif code is ErrorCode.UNAVAILABLE and not isinstance(error.original_error, domain.Unavailable):
        message = str(domain.Unavailable())  # the driver's words (addresses, ports) stay in the log
    if _worded_by_us(error, code):
        # The domain's messages name fields in its own vocabulary; clients read GraphQL's names.
        message = error_message(client_text(message), code.value, locale)
    rewritten = GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )
    return rewritten, code
