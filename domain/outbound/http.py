"""Signed HTTP calls to tenant-given URLs, through the SSRF guard, with a time limit."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from domain.outbound.addresses import refusal_of, resolve
from domain.outbound.config import outbound_config
from domain.outbound.guard import guarded_client
from domain.outbound.signing import headers as signature_headers
from domain.records.rows import jsonable

MAX_REDIRECTS = 3
USER_AGENT = "Tessera-Webhooks/1"


@dataclass(frozen=True)
class Response:
    status: int
    ms: float
    body: str  # truncated
    retry_after: float | None = None  # seconds, when the receiver asked for a pause (429, 503)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def check_url(url: str) -> str | None:
    """Why `url` cannot be called (None if it can): http(s) with a host, no credentials, and a
    URL the HTTP client can send to."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "an http or https URL with a host"
    if parts.username or parts.password:
        return "credentials do not belong in the URL; use headers"
    try:
        httpx.URL(
            url
        )  # what sends it must be able to read it (httpx refuses e.g. the octal host 0177.0.0.1)
    except httpx.InvalidURL as exc:
        return f"not a URL that can be called: {exc}"
    return None


async def destination_problem(url: str) -> tuple[str, str] | None:
    """(code, message) when `url` may not be saved as a destination of outgoing calls:
    BLOCKED_ADDRESS for a host that is, or resolves to, an address calls may not reach (checked
    again when sending, since DNS answers change), INVALID_URL for anything else wrong. A name DNS
    cannot resolve now is accepted."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # not a URL, or its port is out of range: check_url says so below
        host, port = None, None
    if host:
        try:
            addresses = await asyncio.wait_for(
                resolve(host, port or 443), outbound_config().timeout_seconds
            )
        except (TimeoutError, OSError, UnicodeError):
            addresses = []
        reason = refusal_of(host, addresses) if addresses else None
        if reason is not None:
            return "BLOCKED_ADDRESS", reason
    problem = check_url(url)
    return ("INVALID_URL", problem) if problem else None


async def send_signed(
    url: str,
    body: bytes,
    *,
    secrets: list[str],
    message_id: str,
    timestamp: int | None = None,
    method: str = "POST",
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """One request carrying Standard Webhooks signature headers. Redirects are followed (each hop
    through the guard); transport errors and refusals raise httpx errors."""
    timestamp = timestamp or int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **(extra_headers or {}),
        **signature_headers(secrets, message_id, timestamp, body),
    }
    started = time.perf_counter()
    async with guarded_client(follow_redirects=True, max_redirects=MAX_REDIRECTS) as client:
        response = await client.request(method, url, content=body, headers=headers)
    return Response(
        status=response.status_code,
        ms=round((time.perf_counter() - started) * 1000, 1),
        body=response.text[: outbound_config().max_response_chars],
        retry_after=_seconds(response.headers.get("retry-after")),
    )


def _seconds(retry_after: str | None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now."""
    if not retry_after:
        return None
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    try:
        return max(
            0.0, (parsedate_to_datetime(retry_after) - datetime.now(timezone.utc)).total_seconds()
        )
    except (TypeError, ValueError):
        return None


def json_body(payload: Any) -> bytes:
    """JSON of records' values: dates and times as ISO text, ids and decimals as text."""
    return json.dumps(jsonable(payload), separators=(",", ":")).encode()
