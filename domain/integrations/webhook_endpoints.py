"""Outgoing webhook endpoints, defined by tenant admins: a URL, the events it wants (`Lead.created`,
`Opportunity.*`, `*`), and a `whsec_` secret shown once. Rotating the secret keeps the old one
valid for an overlap period, during which every delivery carries both signatures."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from domain.errors import FieldError, InvalidInput, NotFound
from domain.events import action_matches
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.outbound.http import destination_problem
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

MAX_EVENT_TYPES = 50
MAX_OVERLAP_HOURS = 7 * 24

WEBHOOK_SPEC = RecordSpec(
    record_type="WebhookEndpoint",
    table="webhook_endpoint",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("url", "url", Kind.TEXT),
        FieldSpec("description", "description", Kind.TEXT),
        FieldSpec("event_types", "event_types", Kind.TEXT_ARRAY),
        FieldSpec("enabled", "enabled", Kind.BOOL),
        FieldSpec("disabled_reason", "disabled_reason", Kind.TEXT),
    ),
    owned=False,
    scope_area="admin",
    rights={Role.ADMIN: ALL},
)


def wants(event_types: list[str], event_type: str) -> bool:
    """Whether a filter (`*`, `Lead.*`, `Lead.created`) takes an event type (`Lead.updated` takes
    stage and status moves too: they are updates)."""
    record_type, _, action = event_type.partition(".")
    for wanted in event_types:
        kind, _, wanted_action = wanted.partition(".")
        if wanted == "*" or (
            kind == record_type and (wanted_action == "*" or action_matches(wanted_action, action))
        ):
            return True
    return False


async def _check(input: dict[str, Any], creating: bool) -> dict[str, Any]:
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if creating or "url" in input:
        problem = await destination_problem(str(input.get("url") or ""))
        if problem:
            errors.append(FieldError("url", *problem))
        values["url"] = input.get("url")
    if creating or "eventTypes" in input:
        types = input.get("eventTypes")
        if not isinstance(types, list) or not 1 <= len(types) <= MAX_EVENT_TYPES:
            errors.append(
                FieldError(
                    "eventTypes",
                    "REQUIRED",
                    f"1 to {MAX_EVENT_TYPES} event types: *, Lead.*, Lead.created, ...",
                )
            )
        else:
            for n, name in enumerate(types):
                if not isinstance(name, str) or not (
                    name == "*" or ("." in name and all(name.split(".", 1)))
                ):
                    errors.append(
                        FieldError(
                            f"eventTypes.{n}",
                            "INVALID_EVENT_TYPE",
                            "*, <Object>.* or <Object>.<action>",
                        )
                    )
        values["event_types"] = types
    if "description" in input:
        values["description"] = str(input["description"] or "").strip() or None
    if "enabled" in input:
        values["enabled"] = bool(input["enabled"])
        if values["enabled"]:
            values["disabled_reason"] = None
    if errors:
        raise InvalidInput(errors)
    return values


async def create_endpoint(
    *, principal: Principal, input: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """A new endpoint and its secret (shown only now)."""
    WEBHOOK_SPEC.require(principal, Action.CREATE)
    row = (await insert_records(WEBHOOK_SPEC, [await _check(input, True)], principal=principal))[0]
    secret = new_secret()
    # Kept out of the audited columns, so no history shows a secret.
    await tenant_connection().execute_query(
        "UPDATE webhook_endpoint SET secret = $3 WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), row["id"], secret],
    )
    return row, secret


async def update_endpoint(
    *, principal: Principal, endpoint_id: uuid.UUID, version: int, input: dict[str, Any]
) -> dict[str, Any]:
    WEBHOOK_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(WEBHOOK_SPEC, endpoint_id, principal=principal)
    check_version(WEBHOOK_SPEC, row, version)
    values = await _check(input, False)
    if values.get("enabled"):  # re-enabled: the failure clock starts again
        await tenant_connection().execute_query(
            "UPDATE webhook_endpoint SET failing_since = NULL WHERE tenant_id = $1 AND id = $2",
            [current_tenant_id(), endpoint_id],
        )
    return await update_record(WEBHOOK_SPEC, row, values, principal=principal)


async def rotate_secret(
    *, principal: Principal, endpoint_id: uuid.UUID, overlap_hours: float
) -> tuple[dict[str, Any], str]:
    """A new secret; the old one stays valid (both signatures are sent) for `overlap_hours`."""
    WEBHOOK_SPEC.require(principal, Action.UPDATE)
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise InvalidInput.single("overlapHours", "OUT_OF_RANGE", f"0 to {MAX_OVERLAP_HOURS} hours")
    row = await lock_record(WEBHOOK_SPEC, endpoint_id, principal=principal)
    secret = new_secret()
    until = datetime.now(timezone.utc) + timedelta(hours=overlap_hours)
    # Kept out of the audited columns, so no history shows a secret.
    await tenant_connection().execute_query(
        "UPDATE webhook_endpoint SET previous_secret = secret, previous_secret_until = $3, secret = $4 "
        "WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), endpoint_id, until, secret],
    )
    return row, secret


def signing_secrets(endpoint: dict[str, Any], now: datetime) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    overlap = (
        endpoint["previous_secret"]
        and endpoint["previous_secret_until"]
        and endpoint["previous_secret_until"] > now
    )
    return [endpoint["secret"], endpoint["previous_secret"]] if overlap else [endpoint["secret"]]


async def delete_endpoint(*, principal: Principal, endpoint_id: uuid.UUID) -> dict[str, Any]:
    WEBHOOK_SPEC.require(principal, Action.DELETE)
    row = await lock_record(WEBHOOK_SPEC, endpoint_id, principal=principal)
    return await set_deleted(WEBHOOK_SPEC, row, deleted=True, principal=principal)


async def list_endpoints(*, principal: Principal) -> list[dict[str, Any]]:
    WEBHOOK_SPEC.require(principal, Action.READ)
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM webhook_endpoint WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id",
        [current_tenant_id()],
    )
    return [decode_row(WEBHOOK_SPEC, row) for row in rows]


async def get_endpoint(endpoint_id: uuid.UUID) -> dict[str, Any]:
    """The endpoint unless deleted (callers have checked the rights); NotFound otherwise."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM webhook_endpoint WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        [current_tenant_id(), endpoint_id],
    )
    if not rows:
        raise NotFound("webhook endpoint not found")
    return decode_row(WEBHOOK_SPEC, rows[0])
