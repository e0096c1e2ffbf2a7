"""Bearer credentials on the plain HTTP routes of files (uploads, downloads, error reports): the
same offline checks as /graphql, then the credential checked in the tenant's transaction."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from domain.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from domain.identity.authentication import BearerCredential, read_bearer

STATUS = {Unauthenticated: 401, Forbidden: 403, NotFound: 404, InvalidInput: 400}
CODES = {
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    400: "BAD_USER_INPUT",
    413: "BAD_USER_INPUT",
}


def bearer(request: Request) -> BearerCredential:
    """The request's verified credential (tenant included); Unauthenticated without one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization header must be 'Bearer <token>'")
    return read_bearer(request.app.state.token_config, token.strip())


def error_response(exc: DomainError) -> JSONResponse:
    """The error as the GraphQL endpoint words it: a code, a message, field errors."""
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 409)
    extensions: dict[str, Any] = {"code": CODES.get(status, "CONFLICT")}
    if isinstance(exc, InvalidInput):
        extensions["fieldErrors"] = [
            {"field": e.field, "code": e.code, "message": e.message} for e in exc.field_errors
        ]
        if any(e.code == "FILE_TOO_LARGE" for e in exc.field_errors):
            status = 413
    return JSONResponse(
        {"errors": [{"message": str(exc), "extensions": extensions}]}, status_code=status
    )
