"""Per-process settings of outgoing traffic, set once at start-up by the composition root."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class OutboundConfig:
    # Private, loopback and link-local addresses are refused unless listed here (e.g. 127.0.0.1/32
    # in tests, an intranet ERP in an on-premises install).
    allowed_networks: tuple[Network, ...] = ()
    timeout_seconds: float = 5.0
    # smtp://[user:password@]host:port (STARTTLS when the server offers it) or smtps://...;
    # empty: email actions fail with a clear error instead of silently dropping mail.
    smtp_url: str = ""
    mail_from: str = "Tessera <no-reply@tessera.invalid>"
    max_response_chars: int = 1000


_config = OutboundConfig()


def configure_outbound(config: OutboundConfig) -> None:
    global _config
    _config = config


def outbound_config() -> OutboundConfig:
    return _config


def parse_networks(text: str) -> tuple[Network, ...]:
    """`127.0.0.1/32, 10.0.0.0/8` as networks; ValueError names a bad entry."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )
