"""The SSRF guard reaches into httpx where it has no public hook (domain/outbound/guard.py): it
replaces the pool an httpx transport keeps, to give it a network backend that checks every
address. If an httpx upgrade keeps its pool elsewhere, the replacement would silently do nothing
and every connection would go out unchecked: these tests then fail."""

from __future__ import annotations

from collections.abc import Iterator

import httpcore
import httpx
import pytest

from domain.outbound.config import OutboundConfig, configure_outbound, outbound_config
from domain.outbound.guard import BlockedAddress, guarded_client


@pytest.fixture
def nothing_private_allowed() -> Iterator[None]:
    before = outbound_config()
    configure_outbound(OutboundConfig(timeout_seconds=2))
    yield
    configure_outbound(before)


def test_httpx_keeps_the_pool_the_guard_replaces() -> None:
    transport = httpx.AsyncHTTPTransport()
    assert isinstance(transport._pool, httpcore.AsyncConnectionPool)


def test_httpcore_keeps_the_default_backend_the_guard_hands_over_to() -> None:
    from httpcore._backends.auto import AutoBackend

    assert issubclass(AutoBackend, httpcore.AsyncNetworkBackend)


async def test_a_connection_to_a_refused_address_is_checked_by_the_guard(
    nothing_private_allowed: None,
) -> None:
    # Port 1 refuses connections: unguarded, this would be httpx's ConnectError, not a refusal.
    async with guarded_client() as client:
        with pytest.raises(BlockedAddress, match="loopback address"):
            await client.get("http://127.0.0.1:1/")
