"""Signed, expiring download links: the link itself is the credential (it names the tenant, the
file and the expiry, signed with the server's secret), so a browser can follow it without a
bearer token, and no link opens another tenant's file or outlives its expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass

from domain.files.limits import LIMITS

_secret: list[bytes] = []


def configure_link_secret(secret: str) -> None:
    _secret[:] = [hashlib.sha256(b"tessera file links\x00" + secret.encode()).digest()]


@dataclass(frozen=True)
class Link:
    path: str
    expires_at: int  # unix seconds


def _sign(payload: bytes) -> str:
    if not _secret:
        raise RuntimeError("file links need a secret: call configure_link_secret() at start-up")
    return (
        base64.urlsafe_b64encode(hmac.new(_secret[0], payload, hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )


def download_link(tenant_id: uuid.UUID, file_id: uuid.UUID, *, now: float | None = None) -> Link:
    expires = int((now or time.time()) + LIMITS.download_link_seconds)
    payload = json.dumps([str(tenant_id), str(file_id), expires], separators=(",", ":")).encode()
    token = base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + _sign(payload)
    return Link(path=f"/files/download/{token}", expires_at=expires)


def read_link(token: str, *, now: float | None = None) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(tenant id, file id) of a valid, unexpired link token; None for anything else."""
    try:
        encoded, signature = token.split(".", 1)
        payload = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if not hmac.compare_digest(_sign(payload), signature):
            return None
        tenant, file, expires = json.loads(payload)
        if int(expires) < (now or time.time()):
            return None
        return uuid.UUID(tenant), uuid.UUID(file)
    except (ValueError, TypeError):
        return None
