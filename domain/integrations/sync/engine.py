"""The sync engine: one run pulls every stream of a connection page by page from its cursor, then
pushes the customers changed in Tessera since its push cursor (read from the event outbox).

Restarts: each page is applied, with its cursor, in one transaction, so a run that dies resumes
after the last page it finished; re-applying a page changes nothing, because each external
record's last agreed values are kept (sync_state) and a change equal to them is UNCHANGED.
Echoes: records written by a pull come back as events; their values equal what both sides agreed,
so they are not pushed back. Errors of one record are logged (ERROR) without stopping the run; an
error of the system itself (unreachable, refusing) stops the run, which is tried again later."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from domain.automation.targets import record_values
from domain.errors import describe
from domain.identity.principal import acting_for
from domain.integrations import external_ids
from domain.integrations.sync import streams
from domain.integrations.sync.connections import CONNECTORS, load_connection
from domain.integrations.sync.connector import Connector, ConnectorError
from domain.integrations.sync.state import Ctx, log, save_state, state_of_record
from domain.storable import made_storable, unstorable_json
from tenants.context import current_tenant_id, tenant_connection, tenant_transaction

MAX_PAGES = 50
PUSH_BATCH = 200


@dataclass
class _Run:
    connector: Connector
    counts: Counter[str]


async def run_sync(
    tenant_id: uuid.UUID, connection_id: uuid.UUID, *, now: datetime | None = None
) -> dict[str, int]:
    """One run of the connection; counts of APPLIED / UNCHANGED / ERROR records."""
    now = now or datetime.now(timezone.utc)
    async with tenant_transaction(tenant_id):
        row = await load_connection(connection_id)
    if not row["enabled"]:
        return {}
    ctx = Ctx(
        connection_id=connection_id,
        run_id=uuid.uuid4(),
        system=row["system"],
        settings=row["settings"],
        principal=acting_for(row, tenant_id=tenant_id),
    )
    run = _Run(
        connector=CONNECTORS[row["connector"]](row["base_url"], row["credentials"]),
        counts=Counter(),
    )
    cursors = dict(row["cursors"])
    error = None
    try:
        for stream in run.connector.streams:
            await _pull_stream(tenant_id, ctx, run, stream, cursors)
        await _push_customers(tenant_id, ctx, run, cursors)
    except ConnectorError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - any other failure is the connection's, logged; the scheduler goes on
        error = describe(exc)
    async with tenant_transaction(tenant_id):
        await tenant_connection().execute_query(
            "UPDATE sync_connection SET last_run_at = $3, next_run_at = $4, last_error = $5 WHERE tenant_id = $1 AND id = $2",
            [
                current_tenant_id(),
                connection_id,
                now,
                now + timedelta(seconds=row["interval_seconds"]),
                error,
            ],
        )
        summary = (
            ", ".join(f"{n} {status.lower()}" for status, n in sorted(run.counts.items()))
            or "nothing new"
        )
        await log(
            ctx, "RUN", None, None, None, None, "ERROR" if error else "APPLIED", error or summary
        )
    return dict(run.counts)


async def _pull_stream(
    tenant_id: uuid.UUID, ctx: Ctx, run: _Run, stream: str, cursors: dict[str, Any]
) -> None:
    apply = streams.PULL[stream]
    for _ in range(MAX_PAGES):
        page = await run.connector.pull(
            stream, cursors.get(stream)
        )  # no transaction open while waiting
        async with tenant_transaction(tenant_id):
            conn = tenant_connection()
            for change in page.changes:
                refused = unstorable_json({"id": change.external_id, "record": change.data})
                if (
                    refused
                ):  # text PostgreSQL cannot store: this record's error, and the run goes on
                    await log(
                        ctx,
                        "PULL",
                        stream,
                        made_storable(str(change.external_id)),
                        None,
                        None,
                        "ERROR",
                        f"not taken in: {refused}",
                    )
                    run.counts["ERROR"] += 1
                    continue
                await conn.execute_query("SAVEPOINT sync_record")
                try:
                    status, record_type, record_id = await apply(ctx, change)
                    await conn.execute_query("RELEASE SAVEPOINT sync_record")
                except Exception as exc:  # noqa: BLE001 - one record's problem is logged, the run goes on
                    await conn.execute_query("ROLLBACK TO SAVEPOINT sync_record")
                    status, record_type, record_id = "ERROR", None, None
                    await log(
                        ctx, "PULL", stream, change.external_id, None, None, "ERROR", describe(exc)
                    )
                else:
                    await log(
                        ctx,
                        "PULL",
                        stream,
                        change.external_id,
                        record_type,
                        record_id,
                        status,
                        None,
                    )
                run.counts[status] += 1
            cursors[stream] = page.cursor
            await _save_cursors(ctx, cursors)
        if not page.more:
            return


async def _push_customers(
    tenant_id: uuid.UUID, ctx: Ctx, run: _Run, cursors: dict[str, Any]
) -> None:
    async with tenant_transaction(tenant_id):
        events = await tenant_connection().execute_query_dict(
            "SELECT seq, record_id FROM outbox_event WHERE tenant_id = $1 AND record_type = 'Customer' AND seq > $2 "
            "ORDER BY seq LIMIT $3",
            [current_tenant_id(), int(cursors.get("push") or 0), PUSH_BATCH],
        )
        pending = []
        for record_id in dict.fromkeys(e["record_id"] for e in events):
            values = await record_values("Customer", record_id)
            state = await state_of_record(ctx, "customers", "Customer", record_id)
            linked = (
                state["external_id"]
                if state
                else next(
                    (
                        i
                        for s, i in (await external_ids.ids_of("Customer", [record_id])).get(
                            record_id, []
                        )
                        if s == ctx.system
                    ),
                    None,
                )
            )
            mapped = streams.pushable(ctx, values) if values and not values["deleted"] else None
            if mapped is not None and (
                state is None or any(mapped[f] != state["agreed"].get(f) for f in mapped)
            ):
                pending.append((record_id, linked, state, mapped))
    for record_id, linked, state, mapped in pending:
        theirs = {ctx.settings["customerFields"][field]: value for field, value in mapped.items()}
        try:
            external_id = await run.connector.push_customer(
                linked, theirs, tessera_id=str(record_id)
            )
        except ConnectorError as exc:
            async with tenant_transaction(tenant_id):
                await log(
                    ctx, "PUSH", "customers", linked, "Customer", record_id, "ERROR", str(exc)
                )
            raise
        async with tenant_transaction(tenant_id):
            if linked is None:
                await external_ids.link("Customer", record_id, ctx.system, external_id)
            agreed = {**(state["agreed"] if state else {}), **mapped}
            await save_state(ctx, "customers", external_id, "Customer", record_id, agreed, None)
            await log(ctx, "PUSH", "customers", external_id, "Customer", record_id, "APPLIED", None)
        run.counts["APPLIED"] += 1
    if events:
        cursors["push"] = events[-1]["seq"]
        async with tenant_transaction(tenant_id):
            await _save_cursors(ctx, cursors)


async def _save_cursors(ctx: Ctx, cursors: dict[str, Any]) -> None:
    await tenant_connection().execute_query(
        "UPDATE sync_connection SET cursors = $3::jsonb WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), ctx.connection_id, json.dumps(cursors)],
    )


async def run_due(tenant_id: uuid.UUID, *, now: datetime | None = None) -> int:
    """Run the tenant's connections that are due (the scheduler's pass); how many ran."""
    now = now or datetime.now(timezone.utc)
    async with tenant_transaction(tenant_id):
        rows = await tenant_connection().execute_query_dict(
            "SELECT id FROM sync_connection WHERE tenant_id = $1 AND enabled AND deleted_at IS NULL AND next_run_at <= $2",
            [current_tenant_id(), now],
        )
    for row in rows:
        await run_sync(tenant_id, row["id"], now=now)
    return len(rows)
