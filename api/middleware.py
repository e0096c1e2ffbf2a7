"""ASGI middleware: request ids, structured log context, HTTP metrics and a body-size cap."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics

log = structlog.get_logger("tessera.http")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        upload_paths: tuple[str, ...] = (),
        max_upload_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # File uploads (paths starting with one of `upload_paths`) have a cap of their own; the
        # route checks the file's own limit as it streams the body in.
        self.upload_paths = upload_paths
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        # Until routing has found the route (its path template), only the fixed paths are known.
        route = (
            scope["path"]
            if scope["path"] in {"/graphql", "/healthz", "/readyz", "/metrics"}
            else "other"
        )
        status_holder = {"status": 500}

        limit = (
            self.max_upload_bytes
            if self.upload_paths and scope["path"].startswith(self.upload_paths)
            else self.max_body_bytes
        )
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, request_id)
            metrics.HTTP_REQUESTS.labels(route=route, status="413").inc()
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            await _too_large(send, request_id)
            status_holder["status"] = 413
        finally:
            found = scope.get("route")  # set by starlette's router, on this same scope
            route = getattr(found, "path", None) or route
            metrics.HTTP_REQUESTS.labels(route=route, status=str(status_holder["status"])).inc()
            metrics.HTTP_SECONDS.labels(route=route, method=scope["method"]).observe(
                time.perf_counter() - started
            )
            if route != "/metrics":  # scraped every few seconds; its log lines would drown the rest
                log.info(
                    "http request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status_holder["status"],
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, request_id: str) -> None:
    body = (
        b'{"errors":[{"message":"Request body too large","extensions":{"code":"BAD_USER_INPUT"}}]}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
