"""Survey links carry a JWT (HS256, pyjwt) naming the tenant and the survey, signed with a key
derived from the deployment's JWT secret (plugged in at start-up by tessera/domain_wiring.py), so
a link cannot be made up or altered; the tenant comes from the signed token, so no lookup ever
crosses tenants. Expiry and single use are checked against the survey's row."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime

import jwt

from domain.errors import NotWired

AUDIENCE = "tessera-survey"
_keys: list[bytes] = []


class ForgedLink(Exception):
    """Not a link this deployment signed (altered, made up, or for something else)."""


def plug_survey_key(secret: str) -> None:
    """The key survey links are signed with, derived from `secret` (the JWT secret) so that a
    survey token can never pass for an access token, nor the other way round."""
    _keys[:] = [hmac.new(secret.encode(), b"tessera satisfaction surveys", hashlib.sha256).digest()]


def _key() -> bytes:
    if not _keys:
        raise NotWired(
            "survey links need their signing key: call tessera.domain_wiring.wire_domain()"
        )
    return _keys[0]


def sign(tenant_id: uuid.UUID, survey_id: uuid.UUID, expires_at: datetime) -> str:
    claims = {
        "t": str(tenant_id),
        "s": str(survey_id),
        "exp": int(expires_at.timestamp()),
        "aud": AUDIENCE,
    }
    return jwt.encode(claims, _key(), algorithm="HS256")


def read(token: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(tenant id, survey id) of a link this deployment signed; ForgedLink otherwise. Expiry is
    left to the survey's row (and the clock the domain reads)."""
    try:
        claims = jwt.decode(
            token,
            _key(),
            algorithms=["HS256"],
            audience=AUDIENCE,
            options={"verify_exp": False},
            leeway=0,
        )
        return uuid.UUID(claims["t"]), uuid.UUID(claims["s"])
    except (jwt.InvalidTokenError, KeyError, ValueError, TypeError) as exc:
        raise ForgedLink(str(exc)) from exc
