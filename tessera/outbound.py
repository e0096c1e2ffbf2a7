"""Settings of outgoing traffic handed to the domain (kept apart from wiring.py so workers do not
import the API to get them)."""

from __future__ import annotations

from domain.outbound.config import OutboundConfig, configure_outbound, parse_networks
from tessera.settings import Settings


def configure_outbound_traffic(settings: Settings) -> None:
    """Every process that may run actions or send webhooks calls this once at start-up."""
    configure_outbound(
        OutboundConfig(
            allowed_networks=parse_networks(settings.outbound_allowed_networks),
            timeout_seconds=settings.outbound_timeout_seconds,
            smtp_url=settings.smtp_url,
            mail_from=settings.mail_from,
        )
    )
