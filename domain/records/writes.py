"""Creating, updating (optimistic locking on `version`), soft-deleting and restoring records.
Every change is written to the audit trail in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError

from domain.errors import Conflict, InvalidInput, NotFound, NotWired
from domain.identity.principal import Principal
from domain.records.audit import record_events
from domain.records.rows import decode_row, encode_value, placeholder
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from domain.records.visibility import visibility_sql
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

# Maintained here, never taken from clients.
SYSTEM_COLUMNS = {
    "tenant_id",
    "id",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "deleted_at",
}


class WrittenHook(Protocol):
    """Sees every record created or updated, in the write's transaction, and may refuse it by
    raising. domain.duplicates implements it (keys and BLOCK rules); it depends on this module,
    so the composition root plugs it in (tessera/domain_wiring.py)."""

    async def written(
        self,
        spec: RecordSpec,
        rows: list[dict[str, Any]],
        *,
        principal: Principal,
        columns: set[str] | None = None,
    ) -> None: ...


_written_hook: WrittenHook | None = None


def plug_written_hook(hook: WrittenHook) -> None:
    global _written_hook
    _written_hook = hook


async def _written(
    spec: RecordSpec,
    rows: list[dict[str, Any]],
    principal: Principal,
    columns: set[str] | None = None,
) -> None:
    if _written_hook is None:
        if (
            spec.has("custom_fields") or spec.table == "custom_record"
        ):  # the records duplicate rules apply to
            raise NotWired(
                f"{spec.record_type} writes need the duplicate checks: call tessera.domain_wiring.wire_domain()"
            )
        return
    await _written_hook.written(spec, rows, principal=principal, columns=columns)


class LockGuard(Protocol):
    """Refuses changes to fields an approval request has locked (domain/approvals/locks.py plugs
    it in through tessera/domain_wiring.py; records depend on nothing above them)."""

    async def check(
        self,
        spec: RecordSpec,
        row: dict[str, Any],
        diff: dict[str, tuple[Any, Any]],
        principal: Principal,
    ) -> None:
        """Raise Conflict (reason RECORD_LOCKED) for a locked field in `diff`, or let it through."""

    async def check_delete(self, spec: RecordSpec, row: dict[str, Any]) -> None:
        """Raise Conflict (reason RECORD_LOCKED) if the record may not be deleted now."""


_lock_guard: LockGuard | None = None


def plug_lock_guard(guard: LockGuard) -> None:
    global _lock_guard
    _lock_guard = guard


def _check_columns(spec: RecordSpec, columns: Any) -> None:
    # Column names are spliced into SQL: only the spec's own, non-system columns may get here.
    allowed = {f.column for f in spec.fields} - SYSTEM_COLUMNS
    unknown = set(columns) - allowed
    if unknown:
        raise ValueError(f"not writable columns of {spec.table}: {sorted(unknown)}")


async def insert_records(
    spec: RecordSpec, items: list[dict[str, Any]], *, principal: Principal
) -> list[dict[str, Any]]:
    """Insert rows (column -> value); returns them in order. Several rows go in one statement per
    set of columns (bulk writes and imports), so statement-level triggers run once for them all."""
    for values in items:
        _check_columns(spec, values)
    records = [
        {
            "tenant_id": current_tenant_id(),
            "id": new_id(),
            "created_by": principal.user_id,
            "updated_by": principal.user_id,
            **values,
        }
        for values in items
    ]
    rows = await _insert_many(spec, records) if len(records) > 1 else None
    if rows is None:
        rows = [
            await _insert_one(spec, record, index, len(records))
            for index, record in enumerate(records)
        ]
    await record_events(
        spec,
        [
            (row["id"], "created", {c: (None, row[c]) for c in items[i] if row[c] is not None})
            for i, row in enumerate(rows)
        ],
        actor_id=principal.user_id,
    )
    await _written(spec, rows, principal)
    return rows


def _insert_sql(spec: RecordSpec, columns: tuple[str, ...]) -> str:
    markers = [placeholder(spec, column, f"${n}") for n, column in enumerate(columns, start=1)]
    return (
        f"INSERT INTO {spec.table} ({', '.join(columns)}) VALUES ({', '.join(markers)}) RETURNING *"
    )


async def _insert_one(
    spec: RecordSpec, record: dict[str, Any], index: int, count: int
) -> dict[str, Any]:
    values = [encode_value(spec, column, value) for column, value in record.items()]
    try:
        found = await tenant_connection().execute_query_dict(
            _insert_sql(spec, tuple(record)), values
        )
    except IntegrityError as exc:
        raise _constraint_error(spec, exc, f"items.{index}." if count > 1 else "") from exc
    return decode_row(spec, found[0])


# {table: {column: SQL type}}, read from the catalog once per process (migrations restart it).
_column_types: dict[str, dict[str, str]] = {}


async def _types_of(table: str) -> dict[str, str]:
    if table not in _column_types:
        rows = await tenant_connection().execute_query_dict(
            "SELECT attname AS name, format_type(atttypid, NULL) AS type FROM pg_attribute "
            "WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        _column_types[table] = {row["name"]: row["type"] for row in rows}
    return _column_types[table]


async def _insert_many(
    spec: RecordSpec, records: list[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """Insert the records, one INSERT ... SELECT FROM unnest(...) per set of columns, and return
    them as stored, in order; None (and nothing written) when the database refused one of them,
    so that inserting them one by one names it."""
    types = await _types_of(spec.table)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record in records:
        by_columns.setdefault(tuple(record), []).append(record)
    conn = tenant_connection()
    stored: dict[uuid.UUID, dict[str, Any]] = {}
    await conn.execute_query("SAVEPOINT insert_records")
    try:
        for columns, group in by_columns.items():
            if any(types[column].endswith("]") for column in columns):
                # unnest flattens arrays of arrays: one statement per row for these.
                for record in group:
                    row = (
                        await conn.execute_query_dict(
                            _insert_sql(spec, columns),
                            [encode_value(spec, c, v) for c, v in record.items()],
                        )
                    )[0]
                    stored[row["id"]] = row
                continue
            arrays = [
                [encode_value(spec, column, record[column]) for record in group]
                for column in columns
            ]
            casts = ", ".join(
                f"${n}::{types[column]}[]" for n, column in enumerate(columns, start=1)
            )
            for row in await conn.execute_query_dict(
                f"INSERT INTO {spec.table} ({', '.join(columns)}) SELECT * FROM unnest({casts}) "
                "RETURNING *",
                arrays,
            ):
                stored[row["id"]] = row
    except IntegrityError:
        await conn.execute_query("ROLLBACK TO SAVEPOINT insert_records")
        return None
    await conn.execute_query("RELEASE SAVEPOINT insert_records")
    return [decode_row(spec, stored[record["id"]]) for record in records]


async def lock_record(
    spec: RecordSpec, record_id: uuid.UUID, *, principal: Principal, deleted: bool = False
) -> dict[str, Any]:
    """The visible record, locked for this transaction; NotFound if it is not there for the caller."""
    params = Params(current_tenant_id(), record_id)
    where = ["t.tenant_id = $1", "t.id = $2"]
    if spec.soft_delete:
        where.append("t.deleted_at IS NOT NULL" if deleted else "t.deleted_at IS NULL")
    visible = visibility_sql(principal, spec, params)
    if visible:
        where.append(visible)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.* FROM {spec.table} t WHERE {' AND '.join(where)} FOR UPDATE", params.values
    )
    if not rows:
        raise NotFound(
            f"{spec.record_type} not found" + (" among deleted records" if deleted else "")
        )
    return decode_row(spec, rows[0])


def _constraint_error(spec: RecordSpec, exc: IntegrityError, prefix: str) -> InvalidInput:
    """The database is the last word on uniqueness and references (concurrent writers included)."""
    cause = exc.args[0] if exc.args else None
    constraint = getattr(cause, "constraint_name", None)
    if constraint in spec.unique:
        field = spec.unique[constraint]
        return InvalidInput.single(
            prefix + field, "TAKEN", f"another {spec.record_type} already has this {field}"
        )
    return InvalidInput.single(
        prefix + "id",
        "CONSTRAINT",
        f"the change breaks a rule of {spec.record_type} ({constraint})",
    )


def check_version(spec: RecordSpec, row: dict[str, Any], version: int | None) -> None:
    if version is not None and row["version"] != version:
        raise Conflict(
            f"{spec.record_type} was changed by someone else: you sent version {version}, "
            f"it is now at version {row['version']}; reload and apply your change again"
        )


async def update_record(
    spec: RecordSpec,
    row: dict[str, Any],
    changes: dict[str, Any],
    *,
    principal: Principal,
    action: str = "updated",
) -> dict[str, Any]:
    """Apply `changes` to a locked row; unchanged values neither bump the version nor get audited."""
    _check_columns(spec, changes)
    diff = {
        column: (row[column], value) for column, value in changes.items() if row[column] != value
    }
    if not diff:
        return row
    if _lock_guard is not None:
        await _lock_guard.check(spec, row, diff, principal)
    params = Params(current_tenant_id(), row["id"], principal.user_id)
    assignments = [
        f"{column} = {placeholder(spec, column, params.add(encode_value(spec, column, new)))}"
        for column, (_, new) in diff.items()
    ]
    sql = (
        f"UPDATE {spec.table} SET {', '.join(assignments)}, version = version + 1, updated_at = now(), "
        f"updated_by = $3 WHERE tenant_id = $1 AND id = $2 RETURNING *"
    )
    try:
        updated = decode_row(
            spec, (await tenant_connection().execute_query_dict(sql, params.values))[0]
        )
    except IntegrityError as exc:
        raise _constraint_error(spec, exc, "") from exc
    await record_events(spec, [(row["id"], action, diff)], actor_id=principal.user_id)
    await _written(spec, [updated], principal, set(diff))
    return updated


async def set_deleted(
    spec: RecordSpec, row: dict[str, Any], *, deleted: bool, principal: Principal
) -> dict[str, Any]:
    """Soft-delete or restore a locked row."""
    if deleted and _lock_guard is not None:
        await _lock_guard.check_delete(spec, row)
    sql = (
        f"UPDATE {spec.table} SET deleted_at = {'now()' if deleted else 'NULL'}, version = version + 1, "
        f"updated_at = now(), updated_by = $3 WHERE tenant_id = $1 AND id = $2 RETURNING *"
    )
    changed = decode_row(
        spec,
        (
            await tenant_connection().execute_query_dict(
                sql, [current_tenant_id(), row["id"], principal.user_id]
            )
        )[0],
    )
    await record_events(
        spec,
        [
            (
                row["id"],
                "deleted" if deleted else "restored",
                {"deleted_at": (row["deleted_at"], changed["deleted_at"])},
            )
        ],
        actor_id=principal.user_id,
    )
    return changed
