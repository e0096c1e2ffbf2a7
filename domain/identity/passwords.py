"""argon2id password hashing, run off the event loop because it is deliberately slow."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("tessera-timing-equaliser")

MIN_LENGTH = 8
MAX_LENGTH = 256


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; takes as long when there is no user (`password_hash=None`)."""

    def _verify() -> bool:
        try:
            return (
                _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(_verify)
