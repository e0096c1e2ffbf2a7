"""One closed set of error codes, and the mapping from domain failures to GraphQL errors."""

from __future__ import annotations

from enum import Enum

from graphql import GraphQLError
from strawberry.relay.types import GlobalIDValueError

from domain import errors as domain


class ErrorCode(str, Enum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL = "INTERNAL"


_DOMAIN_CODES: dict[type[domain.DomainError], ErrorCode] = {
    domain.Unauthenticated: ErrorCode.UNAUTHENTICATED,
    domain.Forbidden: ErrorCode.FORBIDDEN,
    domain.NotFound: ErrorCode.NOT_FOUND,
    domain.Conflict: ErrorCode.CONFLICT,
    domain.InvalidInput: ErrorCode.BAD_USER_INPUT,
    domain.RateLimited: ErrorCode.RATE_LIMITED,
}

INTERNAL_MESSAGE = "Internal server error"


class ApiError(GraphQLError):
    """An error raised by the API layer itself, already carrying its code."""

    def __init__(self, code: ErrorCode, message: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code.value, **extensions})


def rate_limited(response, retry_after_seconds: float) -> ApiError:  # noqa: ANN001 - a starlette Response
    """RATE_LIMITED, with the wait both in the error and in the HTTP Retry-After header."""
    response.headers["Retry-After"] = str(int(retry_after_seconds))
    return ApiError(ErrorCode.RATE_LIMITED, "Too many requests", retryAfterSeconds=retry_after_seconds)


def classify(error: GraphQLError) -> tuple[ErrorCode, dict[str, object]]:
    """The code for an error and any extensions to add; INTERNAL means 'mask and log it'."""
    code = (error.extensions or {}).get("code")
    if code in ErrorCode.__members__:
        return ErrorCode(code), {}
    original = error.original_error
    if original is None:
        # Syntax, validation (including depth/token/alias limits) and variable coercion errors.
        return ErrorCode.BAD_USER_INPUT, {}
    if isinstance(original, GraphQLError):
        return classify(original)
    for cls, mapped in _DOMAIN_CODES.items():
        if isinstance(original, cls):
            return mapped, _domain_extensions(original)
    if _is_bad_global_id(original):
        return ErrorCode.BAD_USER_INPUT, {}
    return ErrorCode.INTERNAL, {}


def _domain_extensions(error: domain.DomainError) -> dict[str, object]:
    if isinstance(error, domain.InvalidInput):
        return {
            "fieldErrors": [
                {"field": fe.field, "code": fe.code, "message": fe.message} for fe in error.field_errors
            ]
        }
    if isinstance(error, domain.RateLimited):
        return {"retryAfterSeconds": error.retry_after_seconds}
    return {}


def _is_bad_global_id(error: Exception) -> bool:
    return isinstance(error, GlobalIDValueError)


def rewrite(error: GraphQLError, *, request_id: str | None) -> tuple[GraphQLError, ErrorCode]:
    """The error as the client sees it: coded, and masked when unexpected."""
    code, extra = classify(error)
    extensions = {**(error.extensions or {}), **extra, "code": code.value}
    message = error.message
    if code is ErrorCode.INTERNAL:
        message = INTERNAL_MESSAGE
        extensions = {"code": code.value}
        if request_id:
            extensions["requestId"] = request_id
    rewritten = GraphQLError(
        message, nodes=error.nodes, source=error.source, positions=error.positions,
        path=error.path, extensions=extensions,
    )
    return rewritten, code
