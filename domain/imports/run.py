"""The import job (kind `imports.run`): reads the uploaded file, turns each row into values
through the column mapping, and writes them through the object's own write flow (the checks,
rights, custom-field rules, audit trail and events of the API), 100 rows per committed batch.

Each row is all or nothing: a batch is first written as one bulk create; when rows fail, their
errors are kept and the batch is written again without them (and row by row, each in a
savepoint, when that fails too, or for updates). A dry run does the same writes and rolls them
back, so it finds exactly the errors the real run would, and writes nothing but its report.
The job's checkpoint counts the rows done, so a resumed job starts after the last batch committed."""

from __future__ import annotations

import re
import tempfile
import uuid
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import IO, Any

from domain.automation.targets import (
    CREATE,
    PLAIN_CREATE,
    STANDARD,
    VALIDATE,
    create_values,
    update_values,
)
from domain.custom import records as custom_records
from domain.custom.metadata import load_object, load_standard_fields, record_spec, standard_spec
from domain.duplicates.checks import duplicates_for_values
from domain.duplicates.rules import active_rules
from domain.errors import Conflict, DomainError, FieldError, Forbidden, InvalidInput, NotFound
from domain.events import silenced
from domain.files.limits import LIMITS
from domain.files.store import get_file, spool_file
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.imports.fields import CellError, Members, Target, check_mapping, convert, import_targets
from domain.imports.reader import open_table
from domain.imports.relations import Related, resolve_relations
from domain.integrations import external_ids
from domain.jobs import JobError, RunningJob
from domain.records import service
from domain.records.naming import client_name, client_text, domain_name
from domain.records.rights import Action
from domain.records.service import MAX_BULK
from domain.records.spec import CUSTOM_FIELDS_PREFIX, Kind, RecordSpec
from tenants.context import current_tenant_id, tenant_connection, tenant_transaction

KIND = "imports.run"
BATCH = 1000  # rows per committed batch
MODES = ("CREATE", "UPDATE", "UPSERT")
EXTERNAL_ID = "externalId"
DEFAULT_SYSTEM = "import"
DUPLICATE_RULES = "duplicateRules"  # matchBy: the record the tenant's duplicate rules match
_ITEM = re.compile(r"^items\.(\d+)\.(?:values\.)?")


@dataclass
class Plan:
    """What an import does, checked before it starts."""

    object_name: str
    columns: list[tuple[int, str, Target]]  # (column index, header, target)
    mode: str
    match_by: str | None
    system: str
    dry_run: bool
    automations: bool = True  # False: the records' events reach no rule and no webhook

    @property
    def related(self) -> dict[str, Related]:
        """How the mapped relation fields name their records, by field."""
        return {t.field: t.related for _, _, t in self.columns if t.related is not None}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    failed: int = 0
    errors: list[JobError] = field(default_factory=list)


def spooled() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # closed by its caller


async def fetch_upload(
    file_id: uuid.UUID, owner: uuid.UUID | None = None
) -> tuple[dict[str, Any], IO[bytes]]:
    """The uploaded file's row and its bytes in a temporary file (in memory while small)."""
    row = await get_file(file_id, purpose="IMPORT", created_by=owner)
    return row, await spool_file(current_tenant_id(), row)


async def plan_import(params: dict[str, Any], headers: list[str], principal: Principal) -> Plan:
    """The checked plan of an import; InvalidInput naming every problem of the parameters."""
    object_name = str(params.get("object") or "")
    targets = await import_targets(object_name)
    targets[EXTERNAL_ID] = Target(EXTERNAL_ID, "External id", kind=Kind.TEXT)
    mode = params.get("mode") or "CREATE"
    errors: list[FieldError] = []
    if mode not in MODES:
        errors.append(FieldError("mode", "INVALID_CHOICE", " or ".join(MODES)))
    mapping: dict[str, str] = params.get("mapping") or {}
    try:
        check_mapping(headers, mapping, targets)
    except InvalidInput as exc:
        errors += exc.field_errors
    match_by = params.get("matchBy")
    if mode != "CREATE":
        if not match_by:
            errors.append(
                FieldError(
                    "matchBy", "REQUIRED", "updates find records by externalId or a unique field"
                )
            )
        elif match_by == DUPLICATE_RULES:
            if not await active_rules(object_name):
                errors.append(
                    FieldError(
                        "matchBy", "NO_RULES", f"{object_name} has no active duplicate rules"
                    )
                )
        elif match_by not in mapping.values():
            errors.append(FieldError("matchBy", "NOT_MAPPED", f"map a column onto {match_by}"))
    spec = await object_spec(object_name)
    for action in (
        (Action.CREATE,)
        if mode == "CREATE"
        else (Action.UPDATE,)
        if mode == "UPDATE"
        else (Action.CREATE, Action.UPDATE)
    ):
        try:
            spec.require(principal, action)
        except Forbidden as exc:
            raise Forbidden(str(exc)) from None
    automations = params.get("automations") is not False
    if not automations and principal.role is not Role.ADMIN:
        raise Forbidden("only admins may import without automations and webhooks")
    if errors:
        raise InvalidInput(errors)
    columns = [(headers.index(header), header, targets[name]) for header, name in mapping.items()]
    return Plan(
        object_name,
        columns,
        mode,
        match_by,
        str(params.get("externalSystem") or DEFAULT_SYSTEM),
        bool(params.get("dryRun")),
        automations,
    )


async def object_spec(object_name: str) -> RecordSpec:
    if object_name in STANDARD:
        return standard_spec(object_name, await load_standard_fields(object_name))
    return record_spec(await load_object(object_name))


async def run_import(job: RunningJob) -> dict[str, Any]:
    params = job.params
    async with tenant_transaction(job.tenant_id):
        row, data = await fetch_upload(uuid.UUID(params["fileId"]))
    with data, open_table(data, row["content_type"], encoding=params.get("encoding")) as table:
        async with tenant_transaction(job.tenant_id):
            plan = await plan_import(params, table.headers, job.principal)
        total = params.get("rowsTotal")
        counts = Counts(**{k: job.checkpoint.get(k, 0) for k in ("created", "updated", "failed")})
        done = job.checkpoint.get("rows", 0)
        members = Members()
        batch: list[tuple[int, list[Any]]] = []
        for index, numbered in enumerate(table.rows):
            if index < done:
                continue  # committed by an earlier run of this job
            if index >= LIMITS.max_import_rows:
                raise InvalidInput.single(
                    "file",
                    "TOO_MANY_ROWS",
                    f"an import takes at most {LIMITS.max_import_rows} rows",
                )
            batch.append(numbered)
            if len(batch) == BATCH:
                done = await _commit_batch(job, plan, batch, counts, members, done, total)
                batch = []
        if batch:
            done = await _commit_batch(job, plan, batch, counts, members, done, total)
    return {
        "rows": done,
        "created": counts.created,
        "updated": counts.updated,
        "failed": counts.failed,
        "dryRun": plan.dry_run,
    }


async def _commit_batch(
    job: RunningJob,
    plan: Plan,
    batch: list[tuple[int, list[Any]]],
    counts: Counts,
    members: Members,
    done: int,
    total: int | None,
) -> int:
    with _events_of(plan):
        async with job.batch():
            counts.errors = []
            conn = tenant_connection()
            await conn.execute_query("SAVEPOINT import_batch")
            await write_rows(plan, batch, counts, members, job.principal)
            if plan.dry_run:
                await conn.execute_query("ROLLBACK TO SAVEPOINT import_batch")
            await conn.execute_query("RELEASE SAVEPOINT import_batch")
            await job.errors(counts.errors)
            done += len(batch)
            job.checkpoint = {
                "rows": done,
                "created": counts.created,
                "updated": counts.updated,
                "failed": counts.failed,
            }
            await job.progress(done, total)
    return done


def _events_of(plan: Plan) -> AbstractContextManager[None]:
    """The records' events as the plan wants them: for automations and webhooks, or silent."""
    return nullcontext() if plan.automations else silenced()


async def write_rows(
    plan: Plan,
    batch: list[tuple[int, list[Any]]],
    counts: Counts,
    members: Members,
    principal: Principal,
) -> None:
    """Write a batch's rows, each all or nothing, adding to `counts` (and its errors)."""
    converted = [await _values(plan, cells, members) for _, cells in batch]
    if plan.related:
        await resolve_relations(converted, plan.related, principal=principal, system=plan.system)
    ready: list[tuple[int, dict[str, Any]]] = []
    for (number, _), (values, problems) in zip(batch, converted, strict=True):
        if problems:
            _fail(counts, number, problems)
        else:
            ready.append((number, values))
    if plan.mode == "CREATE" and not any(EXTERNAL_ID in v for _, v in ready):
        # Opportunities and tickets have more to their creation than the record service: in
        # chunks of an API bulk call; the others at once.
        chunk = (
            MAX_BULK
            if plan.object_name in STANDARD and plan.object_name not in PLAIN_CREATE
            else BATCH
        )
        left = []
        for start in range(0, len(ready), chunk):
            left += await _bulk_create(plan, ready[start : start + chunk], counts, principal)
        ready = left
    for (
        number,
        values,
    ) in ready:  # updates, links of external ids, and what bulk writes could not take
        await _write_one(plan, number, values, counts, principal)


async def _values(
    plan: Plan, cells: list[Any], members: Members
) -> tuple[dict[str, Any], list[FieldError]]:
    values: dict[str, Any] = {}
    problems: list[FieldError] = []
    for index, header, target in plan.columns:
        cell = cells[index] if index < len(cells) else None
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        try:
            values[target.field] = await convert(target, cell, members)
        except CellError as exc:
            problems.append(FieldError(target.field, exc.code, f"{header}: {exc}"))
    return values, problems


def _fail(counts: Counts, number: int, problems: list[FieldError]) -> None:
    counts.failed += 1
    # A job's errors are the client's to read: fields named as GraphQL names them.
    counts.errors += [
        JobError(p.code, client_text(p.message), row=number, field=client_name(p.field))
        for p in problems
    ]


def _items(plan: Plan, rows: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    items = []
    for _, mapped in rows:
        values = {domain_name(k): v for k, v in mapped.items()}  # the mapping names as clients do
        if plan.object_name in STANDARD:
            item = {k: v for k, v in values.items() if not k.startswith(CUSTOM_FIELDS_PREFIX)}
            custom = {
                k[len(CUSTOM_FIELDS_PREFIX) :]: v
                for k, v in values.items()
                if k.startswith(CUSTOM_FIELDS_PREFIX)
            }
            if custom:
                item["custom_fields"] = custom
        else:
            item = {k: v for k, v in values.items() if k in ("owner_id", "team_id")}
            item["values"] = {k: v for k, v in values.items() if k not in ("owner_id", "team_id")}
        items.append(item)
    return items


async def _bulk_create(
    plan: Plan, rows: list[tuple[int, dict[str, Any]]], counts: Counts, principal: Principal
) -> list[tuple[int, dict[str, Any]]]:
    """Create the rows in one bulk write; the rows left to write one by one."""
    conn = tenant_connection()
    for _attempt in range(2):
        if not rows:
            return []
        await conn.execute_query("SAVEPOINT import_bulk")
        try:
            if plan.object_name in PLAIN_CREATE:
                await service.create(
                    PLAIN_CREATE[plan.object_name],
                    _items(plan, rows),
                    principal=principal,
                    validate=VALIDATE[plan.object_name],
                    bulk=True,
                    limit=BATCH,
                )
            elif plan.object_name in STANDARD:
                await CREATE[plan.object_name](
                    principal=principal, items=_items(plan, rows), bulk=True
                )
            else:
                await custom_records.create_records(
                    principal=principal,
                    object_name=plan.object_name,
                    items=_items(plan, rows),
                    bulk=True,
                    limit=BATCH,
                )
            await conn.execute_query("RELEASE SAVEPOINT import_bulk")
            counts.created += len(rows)
            return []
        except InvalidInput as exc:
            await conn.execute_query("ROLLBACK TO SAVEPOINT import_bulk")
            by_row: dict[int, list[FieldError]] = {}
            for error in exc.field_errors:
                found = _ITEM.match(error.field)
                if found is None:
                    return rows  # not about one row: write them one by one
                by_row.setdefault(int(found.group(1)), []).append(
                    FieldError(error.field[found.end() :] or "row", error.code, error.message)
                )
            for index in sorted(by_row):
                _fail(counts, rows[index][0], by_row[index])
            rows = [row for index, row in enumerate(rows) if index not in by_row]
        except (Conflict, NotFound):
            await conn.execute_query("ROLLBACK TO SAVEPOINT import_bulk")
            return rows
    return rows


async def _write_one(
    plan: Plan, number: int, values: dict[str, Any], counts: Counts, principal: Principal
) -> None:
    conn = tenant_connection()
    await conn.execute_query("SAVEPOINT import_row")
    try:
        external = values.pop(EXTERNAL_ID, None)
        existing = (
            await _match(plan, values, external, principal) if plan.mode != "CREATE" else None
        )
        if existing is None and plan.mode == "UPDATE":
            raise NotFound(
                f"no {plan.object_name} matches the row under the duplicate rules"
                if plan.match_by == DUPLICATE_RULES
                else f"no {plan.object_name} with this {plan.match_by}"
            )
        if existing is None:
            record_id = await create_values(plan.object_name, values, principal=principal)
            counts.created += 1
        else:
            record_id = existing
            await update_values(plan.object_name, record_id, values, principal=principal)
            counts.updated += 1
        if external is not None:
            await external_ids.link(plan.object_name, record_id, plan.system, str(external))
        await conn.execute_query("RELEASE SAVEPOINT import_row")
    except InvalidInput as exc:
        await conn.execute_query("ROLLBACK TO SAVEPOINT import_row")
        _fail(
            counts,
            number,
            [
                FieldError(client_name(e.field).removeprefix("values."), e.code, e.message)
                for e in exc.field_errors
            ],
        )
    except (Conflict, NotFound, Forbidden) as exc:
        await conn.execute_query("ROLLBACK TO SAVEPOINT import_row")
        _fail(
            counts,
            number,
            [
                FieldError(
                    plan.match_by or "row",
                    type(exc).__name__.upper().replace("NOTFOUND", "NOT_FOUND"),
                    str(exc),
                )
            ],
        )
    except DomainError as exc:
        await conn.execute_query("ROLLBACK TO SAVEPOINT import_row")
        _fail(counts, number, [FieldError("row", "REFUSED", str(exc))])


async def _match(
    plan: Plan, values: dict[str, Any], external: Any, principal: Principal
) -> uuid.UUID | None:
    """The record a row updates: by external id, by the tenant's duplicate rules, or by the
    unique field `matchBy`."""
    if plan.match_by == DUPLICATE_RULES:
        return await _match_by_rules(plan, values, principal)
    if plan.match_by == EXTERNAL_ID:
        if external is None:
            raise InvalidInput.single(EXTERNAL_ID, "REQUIRED", "the row has no external id")
        return await external_ids.find(plan.object_name, plan.system, str(external))
    value = values.get(plan.match_by or "")
    if value is None:
        raise InvalidInput.single(
            plan.match_by or "matchBy", "REQUIRED", f"the row has no {plan.match_by}"
        )
    spec = await object_spec(plan.object_name)
    where = [
        "t.tenant_id = $1",
        # values are keyed by the client's names (the mapping's targets); the spec by the domain's
        f"{spec.field(domain_name(plan.match_by or '')).sql('t')}::text = $2",
        "t.deleted_at IS NULL",
    ]
    params: list[Any] = [current_tenant_id(), str(value)]
    if spec.table == "custom_record":
        params.append((await load_object(plan.object_name)).id)
        where.append("t.object_id = $3")
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.id FROM {spec.table} t WHERE {' AND '.join(where)} LIMIT 2", params
    )
    if len(rows) > 1:
        raise Conflict(f"more than one {plan.object_name} has this {plan.match_by}")
    return rows[0]["id"] if rows else None


async def _match_by_rules(
    plan: Plan, values: dict[str, Any], principal: Principal
) -> uuid.UUID | None:
    """The one record the row's values match under the object's active duplicate rules, among
    those the importer may see; None for none, InvalidInput AMBIGUOUS for several."""
    spec = await object_spec(plan.object_name)
    if plan.object_name in STANDARD:
        # values are keyed by the client's names (`companyName`, `customFields.vat`), the spec by
        # the domain's; a custom field nests under its column as the stored row has it
        row: dict[str, Any] = {}
        for name, value in values.items():
            if not spec.has(field_name := domain_name(name)):
                continue
            target = spec.field(field_name)
            if target.json_path:
                row.setdefault(target.column, {})[target.json_path[0]] = value
            else:
                row[target.column] = value
    else:
        row = {"data": {k: v for k, v in values.items() if k not in ("ownerId", "teamId")}}
    matches = await duplicates_for_values(plan.object_name, row, principal=principal)
    found = list(dict.fromkeys(m.record_id for m in matches))
    if len(found) > 1:
        rules = ", ".join(dict.fromkeys(f"'{m.rule_name}'" for m in matches))
        raise InvalidInput.single(
            DUPLICATE_RULES,
            "AMBIGUOUS",
            f"the row matches {len(found)} {plan.object_name} records under {rules}",
        )
    return found[0] if found else None
