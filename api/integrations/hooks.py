"""The public routes of inbound endpoints: /hooks/<public id> (signed webhooks) and
/forms/<public id> (web forms, rate-limited per endpoint and client address). Both answer fast:
the request is logged and acknowledged here, and processed by a worker."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.ratelimit import hit
from domain.integrations.endpoints import parse_public_id
from domain.integrations.receive import MAX_BODY_BYTES, Receipt, form_endpoint, receive_form, receive_webhook
from tenants.context import tenant_transaction
from tenants.registry import find_by_id

REJECTIONS_PER_MINUTE = 30  # refused webhook requests per endpoint and client address


def _answer(receipt: Receipt, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"status": receipt.message}
    if receipt.request_id is not None and receipt.status < 300:
        body["id"] = str(receipt.request_id)
    return JSONResponse(body, status_code=receipt.status, headers=headers)


async def _tenant_of(request: Request):  # noqa: ANN202
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
    retry = await hit(request.app.state.redis, rejections, limit=REJECTIONS_PER_MINUTE, window_seconds=60, peek=True)
    if retry is not None:
        return _answer(Receipt(429, "too many refused requests; try again later"), headers={"Retry-After": str(int(retry))})
    headers = {name.lower(): value for name, value in request.headers.items()}
    async with tenant_transaction(ids[0]):
        receipt = await receive_webhook(ids[1], headers, body)
    if receipt.status in (400, 401, 413):
        await hit(request.app.state.redis, rejections, limit=REJECTIONS_PER_MINUTE, window_seconds=60)
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
        retry = await hit(request.app.state.redis, f"form:{ids[1]}:{client}", limit=endpoint["rate_per_minute"], window_seconds=60)
        if retry is not None:
            return _answer(Receipt(429, "too many submissions; try again later"), headers={"Retry-After": str(int(retry))})
        receipt = await receive_form(endpoint, await _fields(request))
    return _answer(receipt)


async def _fields(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {"value": data}
    form_data = await request.form()
    return {key: value for key, value in form_data.items() if isinstance(value, str)}
