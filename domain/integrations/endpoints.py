"""Inbound endpoints, defined by tenant admins: a signed webhook (Standard Webhooks signatures, or
an HMAC-SHA256 of the body in a header of the sender's choosing) or a public web form, each with
a mapping from what arrives to a record of one object.

Each endpoint is reached at /hooks/<public id> (webhooks) or /forms/<public id> (forms); the
public id encodes the tenant and the endpoint, so finding it never looks across tenants. The
secret is shown once, when it is made (or rotated)."""

from __future__ import annotations

import base64
import binascii
import secrets as random_secrets
import uuid
from typing import Any

from domain.automation.targets import check_values, field_names, known_type
from domain.errors import FieldError, InvalidInput
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.integrations.mapping import check_mapping
from domain.outbound.signing import new_secret
from domain.records.rights import ALL, Action
from domain.records.rows import decode_row
from domain.records.spec import COMMON_FIELDS, FieldSpec, Kind, RecordSpec
from domain.records.writes import (
    check_version,
    insert_records,
    lock_record,
    set_deleted,
    update_record,
)
from tenants.context import current_tenant_id, tenant_connection

KINDS = ("WEBHOOK", "FORM")
VERIFICATIONS = ("STANDARD", "HMAC")
PUBLIC_PREFIX = "in_"

ENDPOINT_SPEC = RecordSpec(
    record_type="InboundEndpoint",
    table="inbound_endpoint",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("kind", "kind", Kind.TEXT),
        FieldSpec("object", "object", Kind.TEXT),
        FieldSpec("mapping", "mapping", Kind.JSON),
        FieldSpec("verification", "verification", Kind.TEXT),
        FieldSpec("signature_header", "signature_header", Kind.TEXT),
        FieldSpec("honeypot", "honeypot", Kind.TEXT),
        FieldSpec("rate_per_minute", "rate_per_minute", Kind.INT),
        FieldSpec("enabled", "enabled", Kind.BOOL),
    ),
    owned=False,
    scope_area="admin",
    rights={Role.ADMIN: ALL},
)


def public_id(tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> str:
    return PUBLIC_PREFIX + base64.urlsafe_b64encode(
        tenant_id.bytes + endpoint_id.bytes
    ).decode().rstrip("=")


def parse_public_id(text: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(tenant id, endpoint id), or None for anything that is not a public id."""
    if not text.startswith(PUBLIC_PREFIX) or len(text) != len(PUBLIC_PREFIX) + 43:
        return None
    try:
        raw = base64.urlsafe_b64decode(text[len(PUBLIC_PREFIX) :] + "=")
    except (binascii.Error, ValueError):
        return None
    return uuid.UUID(bytes=raw[:16]), uuid.UUID(bytes=raw[16:])


async def _check(
    input: dict[str, Any], current: dict[str, Any] | None, principal: Principal
) -> dict[str, Any]:
    merged = {**(current or {}), **input}
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if current is None or "name" in input:
        name = str(input.get("name") or "").strip()
        if not 1 <= len(name) <= 200:
            errors.append(FieldError("name", "REQUIRED", "a name of 1 to 200 characters"))
        values["name"] = name
    if current is None:
        if input.get("kind") not in KINDS:
            errors.append(FieldError("kind", "INVALID_CHOICE", "WEBHOOK or FORM"))
        if not await known_type(str(input.get("object"))):
            errors.append(
                FieldError(
                    "object",
                    "UNKNOWN_OBJECT",
                    "a standard type (Lead, Customer, ...) or a custom object",
                )
            )
        values.update(kind=input.get("kind"), object=input.get("object"))
    if merged.get("kind") == "WEBHOOK":
        if merged.get("verification") not in VERIFICATIONS:
            errors.append(FieldError("verification", "INVALID_CHOICE", "STANDARD or HMAC"))
        if (
            merged.get("verification") == "HMAC"
            and not str(merged.get("signatureHeader") or "").strip()
        ):
            errors.append(
                FieldError(
                    "signatureHeader", "REQUIRED", "the header carrying the body's HMAC-SHA256"
                )
            )
    elif input.get("verification") is not None:
        errors.append(
            FieldError("verification", "NOT_FOR_FORMS", "forms are public: they are not signed")
        )
    for key, column in (
        ("verification", "verification"),
        ("signatureHeader", "signature_header"),
        ("honeypot", "honeypot"),
    ):
        if key in input:
            values[column] = input[key]
    if "ratePerMinute" in input:
        if not isinstance(input["ratePerMinute"], int) or not 1 <= input["ratePerMinute"] <= 10_000:
            errors.append(
                FieldError("ratePerMinute", "OUT_OF_RANGE", "1 to 10000 requests per minute")
            )
        values["rate_per_minute"] = input["ratePerMinute"]
    if current is None or "mapping" in input:
        mapping_errors = check_mapping(
            input.get("mapping"), await field_names(str(merged.get("object")))
        )
        if not mapping_errors and await known_type(str(merged.get("object"))):
            mapping_errors = await _check_mapping_values(
                str(merged["object"]), input["mapping"], principal
            )
        errors += mapping_errors
        values["mapping"] = input.get("mapping")
    if "enabled" in input:
        values["enabled"] = bool(input["enabled"])
    if errors:
        raise InvalidInput(errors)
    return values


async def _check_mapping_values(
    object_name: str, mapping: dict[str, Any], principal: Principal
) -> list[FieldError]:
    """The mapping against the object, so that requests cannot all fail later: constants must be
    valid values (types, choices, ids of this tenant), mapped fields must be writable, and a new
    record's required fields must be mapped (by a path or a constant)."""
    paths, constants = mapping.get("fields") or {}, mapping.get("constants") or {}
    values = {
        **{name: None for name in paths},
        **constants,
    }  # a constant wins over a path (see mapping.apply)
    errors = await check_values(
        object_name,
        values,
        principal=principal,
        creating=True,
        later=frozenset(paths) - frozenset(constants),
    )
    named = []
    for error in errors:
        name = next(
            (n for n in values if error.field == n or error.field.startswith(n + ".")), None
        )
        section = "constants" if name in constants else "fields"
        message = (
            error.message
            if name is not None
            else f"{error.message}: map a path or a constant to it"
        )
        named.append(FieldError(f"mapping.{section}.{error.field}", error.code, message))
    return named


async def create_endpoint(
    *, principal: Principal, input: dict[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """A new endpoint and, for webhooks, its secret (shown only now)."""
    ENDPOINT_SPEC.require(principal, Action.CREATE)
    row = (
        await insert_records(
            ENDPOINT_SPEC, [await _check(input, None, principal)], principal=principal
        )
    )[0]
    secret = await _set_secret(row["id"], row["verification"]) if row["kind"] == "WEBHOOK" else None
    return row, secret


async def _set_secret(endpoint_id: uuid.UUID, verification: str | None) -> str:
    secret = new_secret() if verification == "STANDARD" else random_secrets.token_urlsafe(32)
    # Kept apart from the audited columns, so the history never shows it.
    await tenant_connection().execute_query(
        "UPDATE inbound_endpoint SET secret = $3 WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), endpoint_id, secret],
    )
    return secret


async def rotate_secret(
    *, principal: Principal, endpoint_id: uuid.UUID
) -> tuple[dict[str, Any], str]:
    """A new secret replaces the old one at once (the sender must switch to it)."""
    ENDPOINT_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(ENDPOINT_SPEC, endpoint_id, principal=principal)
    if row["kind"] != "WEBHOOK":
        raise InvalidInput.single("id", "NOT_A_WEBHOOK", "forms have no secret")
    return row, await _set_secret(endpoint_id, row["verification"])


async def update_endpoint(
    *, principal: Principal, endpoint_id: uuid.UUID, version: int, input: dict[str, Any]
) -> dict[str, Any]:
    ENDPOINT_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(ENDPOINT_SPEC, endpoint_id, principal=principal)
    check_version(ENDPOINT_SPEC, row, version)
    current = {
        "kind": row["kind"],
        "object": row["object"],
        "verification": row["verification"],
        "signatureHeader": row["signature_header"],
    }
    return await update_record(
        ENDPOINT_SPEC, row, await _check(input, current, principal), principal=principal
    )


async def delete_endpoint(*, principal: Principal, endpoint_id: uuid.UUID) -> dict[str, Any]:
    ENDPOINT_SPEC.require(principal, Action.DELETE)
    row = await lock_record(ENDPOINT_SPEC, endpoint_id, principal=principal)
    return await set_deleted(ENDPOINT_SPEC, row, deleted=True, principal=principal)


async def list_endpoints(*, principal: Principal) -> list[dict[str, Any]]:
    ENDPOINT_SPEC.require(principal, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM inbound_endpoint WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id",
        [current_tenant_id()],
    )
    return [decode_row(ENDPOINT_SPEC, row) for row in rows]


async def live_endpoint(endpoint_id: uuid.UUID) -> dict[str, Any] | None:
    """The endpoint with its secret (for checking requests), unless deleted."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM inbound_endpoint WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        [current_tenant_id(), endpoint_id],
    )
    return {**decode_row(ENDPOINT_SPEC, rows[0]), "secret": rows[0]["secret"]} if rows else None
