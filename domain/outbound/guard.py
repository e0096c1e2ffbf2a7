"""The SSRF guard: every outgoing connection (redirects included) is made to an address checked at
connect time, after DNS resolution, so neither a name resolving to a private address nor a
redirect to one (nor DNS rebinding between check and use) gets through."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from domain.outbound.addresses import literal_address, refusal_of, resolve
from domain.outbound.config import outbound_config


class BlockedAddress(httpx.TransportError):
    """The destination is an address outgoing requests may not reach; the message says which and why."""


async def resolve_allowed(host: str, port: int) -> str:
    """The first address of `host` (all of them must be allowed); BlockedAddress otherwise."""
    try:
        addresses = await resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpx.ConnectError(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise httpx.ConnectError(f"cannot resolve {host}: no addresses")
    reason = refusal_of(host, addresses)
    if reason is not None:
        raise BlockedAddress(reason)
    return str(addresses[0])


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        # httpx's default backend, which httpcore does not export (its public AnyIOBackend, used
        # directly, broke the worker's webhook deliveries: tests/workers/test_metrics.py).
        from httpcore._backends.auto import AutoBackend

        self._inner = AutoBackend()

    # The signatures are httpcore's AsyncNetworkBackend interface, timeout parameters included.
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await resolve_allowed(host, port)
        # TLS still verifies the certificate against the URL's host name (httpcore passes it).
        return await self._inner.connect_tcp(
            address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Any = None,
    ) -> Any:
        raise BlockedAddress("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedClient(httpx.AsyncClient):
    """Refuses, as BlockedAddress, a URL httpx cannot read (e.g. the octal host 0177.0.0.1, saved
    before URLs were checked that way): callers handle transport errors, and httpx's InvalidURL is
    not one (a redirect to such a URL is, as httpx reports it)."""

    def build_request(self, *args: Any, **kwargs: Any) -> httpx.Request:
        try:
            return super().build_request(*args, **kwargs)
        except httpx.InvalidURL as exc:
            raise BlockedAddress(
                _unreadable(str(kwargs.get("url", args[1] if len(args) > 1 else "")), exc)
            ) from exc


def _unreadable(url: str, error: httpx.InvalidURL) -> str:
    """Why a URL httpx cannot read is not called: a host resolvers read as a refused address
    (0177.0.0.1 is 127.0.0.1) is named as that refusal; anything else as unreadable."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    address = literal_address(host) if host else None
    reason = refusal_of(host, [address]) if host and address is not None else None
    return reason or f"not a URL that can be called: {error}"


def guarded_client(**kwargs: Any) -> httpx.AsyncClient:
    """An httpx client whose every connection passes the guard; no proxies from the environment."""
    transport = httpx.AsyncHTTPTransport()
    # httpx has no public way to give its transport a network backend: the pool it keeps in
    # `_pool` is replaced by one with the guarded backend. tests/outbound/test_library_seams.py
    # fails if httpx no longer keeps it there (the guard would then be bypassed silently).
    transport._pool = httpcore.AsyncConnectionPool(network_backend=_GuardedBackend())
    return _GuardedClient(
        transport=transport, trust_env=False, timeout=outbound_config().timeout_seconds, **kwargs
    )
