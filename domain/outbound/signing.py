"""Standard Webhooks v1 signatures: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` keyed with the
secret's bytes (the base64 part of a `whsec_` secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret[len(PREFIX) :]) if secret.startswith(PREFIX) else secret.encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return (
        "v1,"
        + base64.b64encode(hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()).decode()
    )


def headers(secrets_: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers; several secrets (during a rotation) give several signatures."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, message_id, timestamp, body) for s in secrets_),
    }
