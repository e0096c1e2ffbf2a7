"""Opaque secrets: refresh tokens and partner API tokens.

Both embed the tenant id so the server knows which tenant's (RLS-protected) table to look in; the
tenant is still only trusted once the secret's hash is found in that tenant's rows. Only SHA-256
hashes are stored: the secrets carry 190+ random bits, so a slow hash adds nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import string
import uuid

API_TOKEN_PREFIX = "tsk_"
REFRESH_TOKEN_PREFIX = "tsr_"

_B62 = string.digits + string.ascii_letters
_TENANT_LEN = 22  # base62 digits of a 128-bit UUID
_RANDOM_LEN = 32  # ~190 bits
_CHECKSUM_LEN = 6  # base62 digits of a CRC32


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _b62(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        out.append(_B62[rem])
    return "".join(reversed(out))


def _from_b62(text: str) -> int:
    number = 0
    for char in text:
        number = number * 62 + _B62.index(char)
    return number


def new_api_token(tenant_id: uuid.UUID) -> str:
    """`tsk_<tenant><random><crc32>`: the checksum lets scanners recognise a leaked token offline."""
    body = _b62(tenant_id.int, _TENANT_LEN) + "".join(
        secrets.choice(_B62) for _ in range(_RANDOM_LEN)
    )
    return API_TOKEN_PREFIX + body + _b62(binascii.crc32(body.encode()), _CHECKSUM_LEN)


def parse_api_token(token: str) -> uuid.UUID | None:
    """The tenant id inside a well-formed API token, or None if the token is malformed."""
    body = token[len(API_TOKEN_PREFIX) :]
    if (
        not token.startswith(API_TOKEN_PREFIX)
        or len(body) != _TENANT_LEN + _RANDOM_LEN + _CHECKSUM_LEN
    ):
        return None
    if any(char not in _B62 for char in body):
        return None
    payload, checksum = body[:-_CHECKSUM_LEN], body[-_CHECKSUM_LEN:]
    if _b62(binascii.crc32(payload.encode()), _CHECKSUM_LEN) != checksum:
        return None
    tenant_int = _from_b62(payload[:_TENANT_LEN])
    return uuid.UUID(int=tenant_int) if tenant_int < 1 << 128 else None


def api_token_hint(token: str) -> str:
    """What lists show so people can tell tokens apart without the secret."""
    return f"{token[:8]}…{token[-4:]}"


def new_refresh_token(tenant_id: uuid.UUID) -> str:
    raw = tenant_id.bytes + secrets.token_bytes(32)
    return REFRESH_TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_refresh_token(token: str) -> uuid.UUID | None:
    if not token.startswith(REFRESH_TOKEN_PREFIX) or len(token) > 100:
        return None
    encoded = token[len(REFRESH_TOKEN_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None
    return uuid.UUID(bytes=raw[:16]) if len(raw) == 48 else None
