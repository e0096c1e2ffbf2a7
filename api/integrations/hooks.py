"""The public routes of inbound endpoints: /hooks/<public id> (signed webhooks) and
/forms/<public id> (web forms, rate-limited per endpoint and client address). Both answer fast:
the request is logged and acknowledged here, and processed by a worker."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.ratelimit import hit
from domain.integrations.endpoints import parse_public_id
from domain.integrations.receive import (
    MAX_BODY_BYTES,
    Receipt,
    form_endpoint,
    receive_form,
    receive_webhook,
)
from tenants.context import tenant_transaction
from tenants.registry import find_by_id

REJECTIONS_PER_MINUTE = 30  # refused webhook requests per endpoint and client address


def _answer(receipt: Receipt, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"status": receipt.message}
    if receipt.request_id is not None and receipt.status < 300:
        body["id"] = str(receipt.request_id)
    return JSONResponse(body, status_code=receipt.status, headers=headers)


async def _tenant_of(request: Request):
    ids = parse_public_id(request.path_params["public_id"])
    if ids is None:
        return None
    tenant = await find_by_id(ids[0])
    return ids if tenant is not None and tenant.is_active else None


async def webhook(request: Request) -> JSONResponse:
    ids = await _tenant_of(request)
    if ids is None:
        return _answer(Receipt(404, "no such endpoint"))
    body = await request.body()
    if len(body) > MAX_BODY_BYTES * 2:  # far too big even to log; smaller excesses are logged
        return _answer(Receipt(413, f"the body is larger than {MAX_BODY_BYTES} bytes"))
    # Senders whose requests keep failing verification are slowed down before they cost a logged
    # row each: a flood of forged requests cannot grow the request log without bound.
    client = request.client.host if request.client else "unknown"
    rejections = f"hook-rejected:{ids[1]}:{client}"
    retry = await hit(
        request.app.state.redis,
        rejections,
        limit=REJECTIONS_PER_MINUTE,
        window_seconds=60,
        peek=True,
    )
    if retry is not None:
        return _answer(
            Receipt(429, "too many refused requests; try again later"),
            headers={"Retry-After": str(int(retry))},
        )
    headers = {name.lower(): value for name, value in request.headers.items()}
    async with tenant_transaction(ids[0]):
        receipt = await receive_webhook(ids[1], headers, body)
    if receipt.status in (400, 401, 413):
        await hit(
            request.app.state.redis, rejections, limit=REJECTIONS_PER_MINUTE, window_seconds=60
        )
    return _answer(receipt)


async def form(request: Request) -> JSONResponse:
    ids = await _tenant_of(request)
    if ids is None:
        return _answer(Receipt(404, "no such form"))
    client = request.client.host if request.client else "unknown"
    async with tenant_transaction(ids[0]):
        endpoint = await form_endpoint(ids[1])
        if endpoint is None:
            return _answer(Receipt(404, "no such form"))
        retry = await hit(
            request.app.state.redis,
            f"form:{ids[1]}:{client}",
            limit=endpoint["rate_per_minute"],
            window_seconds=60,
        )
        if retry is not None:
            return _answer(
                Receipt(429, "too many submissions; try again later"),
                headers={"Retry-After": str(int(retry))},
            )
        try:
            fields = await _fields(request)
        except (
            _Unreadable
        ) as exc:  # answered now, and nothing stored: a later failure would go unseen
            return _answer(exc.receipt)
        receipt = await receive_form(endpoint, fields)
    return _answer(receipt)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class _Unreadable(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.receipt = Receipt(status, message)


async def _fields(request: Request) -> dict[str, Any]:
    """The posted fields (files are left out); _Unreadable for a body that is not a form."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            data = json.loads((await request.body()).decode("utf-8"))
        except (
            ValueError,
            RecursionError,
        ) as exc:  # not UTF-8, not JSON, or nested past the parser's depth
            raise _Unreadable(400, "the body is not UTF-8 JSON") from exc
        if not isinstance(data, dict):
            raise _Unreadable(400, "a form sent as JSON is an object of fields")
        return data
    if media_type in FORM_TYPES:
        try:
            form_data = await request.form()
        except HTTPException as exc:  # starlette's answer to a broken multipart or urlencoded body
            raise _Unreadable(400, f"the form cannot be read: {exc.detail}") from exc
        return {key: value for key, value in form_data.items() if isinstance(value, str)}
    raise _Unreadable(415, f"send the form as {', '.join(FORM_TYPES)} or application/json")
