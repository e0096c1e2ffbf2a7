"""Processing a received request in a worker: the endpoint's mapping turns the payload into values,
which create a record or, when the payload carries an external id seen before, update the record
it created then. The record then gets a `webhook` event, which rules with `{on: "webhook"}` react
to. A mapping or validation error marks the request FAILED with the error; its body stays, and an
admin can process it again after fixing the mapping."""

from __future__ import annotations

import json
import uuid
from typing import Any

from domain.automation.targets import create_values, update_values
from domain.errors import InvalidInput, NotFound, describe
from domain.events import emit
from domain.identity.principal import Principal, acting_for
from domain.integrations import external_ids
from domain.integrations.endpoints import ENDPOINT_SPEC, live_endpoint
from domain.integrations.mapping import apply
from domain.records.by_ids import spec_rows_by_ids
from domain.records.listing import Listing, list_log
from domain.records.rights import READ_ONLY, Action
from domain.records.spec import FieldSpec, Kind, RecordSpec
from tenants.context import current_tenant_id, tenant_connection


async def process_request(request_id: uuid.UUID) -> str | None:
    """Process an ACCEPTED request once (repeated deliveries find it done); its new status."""
    conn = tenant_connection()
    rows = await conn.execute_query_dict(
        "SELECT * FROM inbound_request WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        [current_tenant_id(), request_id],
    )
    if not rows or rows[0]["status"] != "ACCEPTED":
        return None
    request = rows[0]
    endpoint = await live_endpoint(request["endpoint_id"])
    await conn.execute_query("SAVEPOINT inbound_request")
    try:
        if endpoint is None:
            raise NotFound("the endpoint was deleted before the request was processed")
        record_id = await _upsert(endpoint, json.loads(request["body"]))
    except Exception as exc:  # noqa: BLE001 - recorded on the request for the admin to see
        await conn.execute_query("ROLLBACK TO SAVEPOINT inbound_request")
        await _finish(request_id, "FAILED", describe(exc), None, None)
        return "FAILED"
    await conn.execute_query("RELEASE SAVEPOINT inbound_request")
    await _finish(request_id, "PROCESSED", None, endpoint["object"], record_id)
    return "PROCESSED"


async def _upsert(endpoint: dict[str, Any], payload: object) -> uuid.UUID:
    values, external = apply(endpoint["mapping"], payload)
    object_name, principal = endpoint["object"], acting_for(endpoint, tenant_id=current_tenant_id())
    if endpoint["mapping"].get("externalId") and external is None:
        raise InvalidInput.single(
            "externalId",
            "MISSING",
            f"the payload has nothing at {endpoint['mapping']['externalId']['path']}",
        )
    record_id = await external_ids.find(object_name, *external) if external else None
    if record_id is None:
        record_id = await create_values(object_name, values, principal=principal)
        if external:
            await external_ids.link(object_name, record_id, *external)
    else:
        await update_values(object_name, record_id, values, principal=principal)
    # What rules with {on: "webhook"} react to; `to: {endpoint: <name>}` narrows them to one endpoint.
    await emit(
        object_name, [(record_id, "webhook", {"endpoint": [None, endpoint["name"]]})], actor_id=None
    )
    return record_id


async def _finish(
    request_id: uuid.UUID,
    status: str,
    error: str | None,
    record_type: str | None,
    record_id: uuid.UUID | None,
) -> None:
    await tenant_connection().execute_query(
        "UPDATE inbound_request SET status = $3, error = $4, record_type = $5, record_id = $6, processed_at = now() "
        "WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), request_id, status, error, record_type, record_id],
    )


async def reprocess(*, principal: Principal, request_id: uuid.UUID) -> str | None:
    """Process a FAILED request again (after fixing the mapping); its new status."""
    ENDPOINT_SPEC.require(principal, Action.UPDATE)
    rows = await tenant_connection().execute_query_dict(
        "UPDATE inbound_request SET status = 'ACCEPTED', error = NULL WHERE tenant_id = $1 AND id = $2 AND status = 'FAILED' "
        "RETURNING id",
        [current_tenant_id(), request_id],
    )
    if not rows:
        raise InvalidInput.single("id", "NOT_FAILED", "only FAILED requests can be processed again")
    return await process_request(request_id)


async def list_requests(
    *,
    principal: Principal,
    endpoint_id: uuid.UUID | None,
    status: str | None,
    first: int = 50,
    request_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """The newest requests first, with their outcome."""
    ENDPOINT_SPEC.require(principal, Action.READ)
    return await tenant_connection().execute_query_dict(
        "SELECT * FROM inbound_request WHERE tenant_id = $1 AND ($2::uuid IS NULL OR endpoint_id = $2) "
        "AND ($3::text IS NULL OR status = $3) AND ($5::uuid IS NULL OR id = $5) ORDER BY received_at DESC, id DESC LIMIT $4",
        [current_tenant_id(), endpoint_id, status, max(1, min(first, 100)), request_id],
    )


REQUEST_SPEC = RecordSpec(
    record_type="InboundRequest",
    table="inbound_request",
    fields=(
        FieldSpec("id", "id", Kind.UUID),
        FieldSpec("endpoint_id", "endpoint_id", Kind.UUID),
        FieldSpec("message_id", "message_id", Kind.TEXT),
        FieldSpec("received_at", "received_at", Kind.DATETIME, sortable=True),
        FieldSpec("content_type", "content_type", Kind.TEXT),
        FieldSpec("body", "body", Kind.TEXT, filterable=False),
        FieldSpec("status", "status", Kind.TEXT),
        FieldSpec("error", "error", Kind.TEXT),
        FieldSpec("record_type", "record_type", Kind.TEXT),
        FieldSpec("record_id", "record_id", Kind.UUID),
        FieldSpec("processed_at", "processed_at", Kind.DATETIME),
    ),
    owned=False,
    soft_delete=False,
    scope_area=ENDPOINT_SPEC.scope_area,
    rights={role: READ_ONLY for role in ENDPOINT_SPEC.rights},
)


async def page_requests(
    *,
    principal: Principal,
    endpoint_id: uuid.UUID | None,
    status: str | None,
    first: int,
    after: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """A page of the requests received, newest first, with their outcome."""
    return await list_log(
        REQUEST_SPEC,
        principal=principal,
        newest="received_at",
        where={"endpoint_id": endpoint_id, "status": status},
        first=first,
        after=after,
        before=before,
        backward=backward,
    )


async def requests_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The requests among `ids`, by id, for those who may read the inbound endpoints."""
    return await spec_rows_by_ids(REQUEST_SPEC, ids, principal=principal)
