"""Short-lived JWT access tokens: issue and verify. Verification trusts nothing the token says
until the signature, algorithm, issuer, audience and expiry all check out."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import jwt

from domain.errors import Unauthenticated
from domain.identity.roles import Role

REQUIRED_CLAIMS = ["sub", "tid", "role", "sid", "iat", "exp", "iss", "aud", "jti"]


@dataclass(frozen=True)
class TokenConfig:
    secret: str
    algorithm: str
    issuer: str
    audience: str
    access_ttl_seconds: int
    refresh_ttl_seconds: int


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    role: Role
    session_id: uuid.UUID
    expires_at: int


def issue_access_token(
    config: TokenConfig,
    *,
    user_id: uuid.UUID,
    tenant_id: uuid.UUID,
    role: Role,
    session_id: uuid.UUID,
) -> tuple[str, int]:
    """A signed access token and its expiry (unix seconds)."""
    now = int(time.time())
    expires_at = now + config.access_ttl_seconds
    claims = {
        "sub": str(user_id),
        "tid": str(tenant_id),
        "role": role.value,
        "sid": str(session_id),
        "iat": now,
        "exp": expires_at,
        "iss": config.issuer,
        "aud": config.audience,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, config.secret, algorithm=config.algorithm), expires_at


LEEWAY_SECONDS = 5
EXPIRED = "Access token has expired"
# Verified tokens by (config, token): clients send the same token for its whole life, and checking
# a signature costs more than the rest of a small request. Only expiry can change a verdict.
_VERIFIED: OrderedDict[tuple[TokenConfig, str], AccessClaims] = OrderedDict()
_VERIFIED_MAX = 4096


def decode_access_token(config: TokenConfig, token: str) -> AccessClaims:
    """The verified claims of `token`, or Unauthenticated."""
    key = (config, token)
    claims = _VERIFIED.get(key)
    if claims is not None:
        if time.time() >= claims.expires_at + LEEWAY_SECONDS:  # the rule pyjwt applies to exp
            _VERIFIED.pop(key, None)
            raise Unauthenticated(EXPIRED)
        _VERIFIED.move_to_end(key)
        return claims
    claims = _verify(config, token)
    _VERIFIED[key] = claims
    if len(_VERIFIED) > _VERIFIED_MAX:
        _VERIFIED.popitem(last=False)
    return claims


def _verify(config: TokenConfig, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            config.secret,
            algorithms=[config.algorithm],  # never taken from the token's header
            audience=config.audience,
            issuer=config.issuer,
            options={"require": REQUIRED_CLAIMS},
            leeway=LEEWAY_SECONDS,
        )
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            tenant_id=uuid.UUID(claims["tid"]),
            role=Role(claims["role"]),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=int(claims["exp"]),
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated(EXPIRED) from exc
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise Unauthenticated("Invalid access token") from exc
