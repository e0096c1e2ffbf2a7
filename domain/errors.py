"""The closed set of failures the domain reports; entry points map each class to one error code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.records.naming import client_name


class DomainError(Exception):
    """Base of every expected failure; its message is safe to show to the caller."""


class Unauthenticated(DomainError):
    """No valid credentials."""


class Forbidden(DomainError):
    """Valid credentials that do not allow this action."""


class NotFound(DomainError):
    """The record does not exist for this caller (also used when they may not know it exists)."""


class Conflict(DomainError):
    """The action clashes with the record's current state (stale version, done twice, duplicate).
    `reason` names the kind of clash for clients (RECORD_LOCKED, ALREADY_DECIDED); `refs` names
    the records it is about ({"approvalRequestId": ("ApprovalRequest", uuid)}), shown as global ids."""

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        refs: dict[str, tuple[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.refs = refs or {}


class RateLimited(DomainError):
    def __init__(self, message: str, *, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(DomainError):
    """A service the request needs (PostgreSQL) cannot be reached now: the same request may succeed later."""

    RETRY_AFTER_SECONDS = 5.0

    def __init__(
        self,
        message: str = "Service temporarily unavailable; try again later",
        *,
        retry_after_seconds: float = RETRY_AFTER_SECONDS,
    ) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


class InvalidInput(DomainError):
    """Input failed validation; every failing field is reported at once."""

    def __init__(self, field_errors: list[FieldError], message: str = "Invalid input") -> None:
        super().__init__(message)
        self.field_errors = field_errors

    @classmethod
    def single(cls, field: str, code: str, message: str) -> InvalidInput:
        return cls([FieldError(field, code, message)], message)


class NotWired(RuntimeError):
    """A check the domain needs was not plugged in by the entry point (tessera/domain_wiring.py):
    refusing to go on beats writing unchecked values or showing hidden ones."""


def describe(exc: Exception) -> str:
    """One line for a log a tenant reads (run logs, inbound request logs): the message of an
    expected failure with its field errors, or the type and text of anything else."""
    if isinstance(exc, DomainError):
        errors = getattr(exc, "field_errors", None)
        return str(exc) + (
            ""
            if not errors
            else ": " + "; ".join(f"{client_name(e.field)} {e.code}" for e in errors)
        )
    return f"{type(exc).__name__}: {exc}"[:500]
