"""The /graphql request, checked at the door: a body that is not UTF-8 JSON, nests too deep, or is
not one operation (an object) or a batch of them (a non-empty array of objects) is refused with 400
before anything runs, and so is a batch with any malformed operation (none of it runs). Refusals
are GraphQL-shaped, like every other answer of the endpoint."""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.responses import JSONResponse
from strawberry.http import GraphQLRequestData

from api.errors import ErrorCode
from domain.storable import MAX_JSON_DEPTH, json_depth_exceeds

TOO_DEEP = f"The body nests deeper than {MAX_JSON_DEPTH} levels"


def decode_json(data: str | bytes) -> object:
    """The JSON of a body (or of a query parameter of a GET), or a 400."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise HTTPException(400, "The body is not UTF-8") from exc
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise HTTPException(400, TOO_DEEP) from exc
    except ValueError as exc:
        raise HTTPException(400, f"The body is not JSON: {exc}") from exc
    if json_depth_exceeds(value):
        raise HTTPException(400, TOO_DEEP)
    is_batch = isinstance(value, list)
    if is_batch and not value:
        raise HTTPException(400, "An empty batch has no operation to run")
    if not all(isinstance(item, dict) for item in (value if is_batch else [value])):
        raise HTTPException(
            400,
            "The body must be an operation (an object) or a batch of operations (an array of objects)",
        )
    return value


_KINDS = {
    "query": (str, "a string"),
    "variables": (dict, "an object"),
    "operation_name": (str, "a string"),
    "extensions": (dict, "an object"),
}
_NAMES = {
    "query": "query",
    "variables": "variables",
    "operation_name": "operationName",
    "extensions": "extensions",
}


def check_operations(request_data: GraphQLRequestData | list[GraphQLRequestData]) -> None:
    """A 400 if any operation of the request has a member of the wrong type (checked for a batch
    too, before any of its operations runs)."""
    for index, operation in enumerate(
        request_data if isinstance(request_data, list) else [request_data]
    ):
        for attribute, (kind, described) in _KINDS.items():
            value: Any = getattr(operation, attribute)
            if value is not None and not isinstance(value, kind):
                where = f"operation {index}: " if isinstance(request_data, list) else ""
                raise HTTPException(
                    400, f"{where}`{_NAMES[attribute]}` must be {described} or null"
                )


def refusal(exc: HTTPException) -> JSONResponse:
    """A refused request as a GraphQL response: the reason as the error, with its code."""
    code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.BAD_USER_INPUT
    return JSONResponse(
        {"errors": [{"message": exc.reason, "extensions": {"code": code.value}}]},
        status_code=exc.status_code,
    )
