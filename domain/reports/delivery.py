"""Scheduled delivery of a saved report by e-mail, fired by `tessera scheduler`.

A schedule names a saved report, daily or weekly (on a weekday) at an hour of the tenant's time
zone, and members of the tenant as recipients. Each recipient receives the report as they may see
it (their role's visibility and field rights: the same rule as reading a saved report), as a CSV
attachment; a recipient who may no longer read the report, or is no longer a member, is skipped.
Outside members receive nothing: a report's rows are customer data, and only people who may sign
in may receive them.

Once per period: the occurrence a pass fires is named by its period (the local date for daily
schedules, the ISO week for weekly ones), and a delivery row keyed by (schedule, period,
recipient) is written in the same transaction as the mail is sent; a second pass in the same
period finds the row and sends nothing. After a pass the schedule's next run is the first
occurrence after the pass (occurrences missed while no scheduler ran are not made up). Mail goes
out before the transaction commits: if the commit then failed, the next pass sends it again
with the same Message-ID, which mail systems treat as the same message."""

from __future__ import annotations

import re
import smtplib
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from domain.errors import DomainError, FieldError, InvalidInput, NotFound, NotWired
from domain.identity.principal import CredentialKind, Principal
from domain.identity.roles import Role
from domain.outbound.mail import Attachment, MailNotConfigured, send_mail
from domain.records.sql import Params
from domain.reports import saved
from domain.reports.periods import tenant_calendar
from domain.reports.tables import Table, csv_text
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_RECIPIENTS = 50
BATCH = 50  # schedules fired per tenant and pass

# Runs a saved report (kind, params) for a reader: api.reports.running.run, plugged in by the
# composition root (the scheduler and the API), since rebuilding a report's query is the API's.
ReportRunner = Callable[[str, Any, Principal], Awaitable[Table]]
_runner: ReportRunner | None = None


def plug_report_runner(runner: ReportRunner) -> None:
    global _runner
    _runner = runner


class Frequency(str, Enum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


def next_occurrence(
    frequency: Frequency, weekday: int | None, hour: int, after: datetime, zone: ZoneInfo
) -> datetime:
    """The first occurrence strictly after `after`: `hour`:00 local time, every day or on
    `weekday` (0 = Monday)."""
    day = after.astimezone(zone).date()
    for offset in range(9):
        candidate = day + timedelta(days=offset)
        if frequency is Frequency.WEEKLY and candidate.weekday() != weekday:
            continue
        at = datetime.combine(candidate, time(hour), tzinfo=zone).astimezone(timezone.utc)
        if at > after:
            return at
    raise AssertionError("an occurrence always falls within 8 days")


def period_of(frequency: Frequency, occurrence: datetime, zone: ZoneInfo) -> str:
    """The period an occurrence delivers: its local date (daily), its ISO week (weekly)."""
    local: date = occurrence.astimezone(zone).date()
    if frequency is Frequency.DAILY:
        return local.isoformat()
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


async def _members(user_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Principal, str]]:
    """{user id: (principal, e-mail)} of the active members among `user_ids`."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT m.user_id, m.role, u.email FROM membership m JOIN app_user u ON u.id = m.user_id "
        "WHERE m.tenant_id = $1 AND m.user_id = ANY($2::uuid[]) AND m.status = 'active'",
        [current_tenant_id(), user_ids],
    )
    found = {}
    for row in rows:  # invited and deactivated members receive nothing
        principal = Principal(
            tenant_id=current_tenant_id(),
            user_id=row["user_id"],
            role=Role(row["role"]),
            kind=CredentialKind.SESSION,
            credential_id=new_id(),  # no stored session: the scheduler acts for the recipient
        )
        found[row["user_id"]] = (principal, row["email"])
    return found


async def create_schedule(
    *,
    principal: Principal,
    report_id: uuid.UUID,
    frequency: Frequency,
    weekday: int | None,
    hour: int,
    recipient_ids: list[uuid.UUID],
) -> dict[str, Any]:
    """Schedule a report the caller may read, to members who may read it too."""
    await saved.get("report", principal=principal, record_id=report_id)
    errors = []
    if frequency is Frequency.WEEKLY and (weekday is None or not 0 <= weekday <= 6):
        errors.append(FieldError("weekday", "REQUIRED", "weekly schedules need a weekday, 0-6"))
    if frequency is Frequency.DAILY and weekday is not None:
        errors.append(FieldError("weekday", "NOT_ALLOWED", "weekday applies to weekly schedules"))
    if not 0 <= hour <= 23:
        errors.append(FieldError("hour", "OUT_OF_RANGE", "hour must be between 0 and 23"))
    unique = list(dict.fromkeys(recipient_ids))
    if not 1 <= len(unique) <= MAX_RECIPIENTS:
        errors.append(
            FieldError("recipientIds", "OUT_OF_RANGE", f"1 to {MAX_RECIPIENTS} recipients")
        )
    members = await _members(unique)
    for index, user_id in enumerate(recipient_ids):
        if user_id not in members:
            errors.append(
                FieldError(f"recipientIds.{index}", "NOT_FOUND", "not a member of the tenant")
            )
        elif not await saved.get_many("report", principal=members[user_id][0], ids=[report_id]):
            errors.append(
                FieldError(
                    f"recipientIds.{index}", "CANNOT_READ", "this member may not read the report"
                )
            )
    if errors:
        raise InvalidInput(errors)
    zone = (await tenant_calendar()).zone
    first = next_occurrence(frequency, weekday, hour, datetime.now(timezone.utc), zone)
    rows = await tenant_connection().execute_query_dict(
        "INSERT INTO report_schedule (tenant_id, id, report_id, owner_id, frequency, weekday, hour, "
        "recipient_ids, next_run_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::uuid[], $9) RETURNING *",
        [
            current_tenant_id(),
            new_id(),
            report_id,
            principal.user_id,
            frequency.value,
            weekday,
            hour,
            unique,
            first,
        ],
    )
    return rows[0]


def _own(principal: Principal, params: Params, alias: str = "s") -> str:
    clauses = [
        f"{alias}.tenant_id = {params.add(current_tenant_id())}",
        f"{alias}.deleted_at IS NULL",
    ]
    if principal.role is not Role.ADMIN:
        clauses.append(f"{alias}.owner_id = {params.add(principal.user_id)}")
    return " AND ".join(clauses)


async def cancel_schedule(*, principal: Principal, schedule_id: uuid.UUID) -> dict[str, Any]:
    """Stop a schedule (its creator or an admin)."""
    params = Params()
    where = _own(principal, params)
    rows = await tenant_connection().execute_query_dict(
        f"UPDATE report_schedule s SET deleted_at = now(), updated_at = now(), version = version + 1 "
        f"WHERE {where} AND s.id = {params.add(schedule_id)} RETURNING s.*",
        params.values,
    )
    if not rows:
        raise NotFound("no such report schedule")
    return rows[0]


async def list_schedules(
    *, principal: Principal, report_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """The caller's schedules (every schedule for admins), of one report when named."""
    params = Params()
    where = _own(principal, params)
    if report_id is not None:
        where += f" AND s.report_id = {params.add(report_id)}"
    return await tenant_connection().execute_query_dict(
        f"SELECT s.* FROM report_schedule s WHERE {where} ORDER BY s.created_at, s.id LIMIT 200",
        params.values,
    )


async def schedules_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The schedules among `ids` the caller may see (as list_schedules), by id."""
    params = Params()
    where = _own(principal, params)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT s.* FROM report_schedule s WHERE {where} AND s.id = ANY({params.add(ids)}::uuid[])",
        params.values,
    )
    return {row["id"]: row for row in rows}


async def deliveries_of(
    schedule_ids: list[uuid.UUID], limit: int
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The latest deliveries of each schedule, newest first."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM (SELECT d.*, row_number() OVER (PARTITION BY d.schedule_id ORDER BY d.at DESC, d.period DESC, "
        "d.recipient_id) AS n FROM report_delivery d WHERE d.tenant_id = $1 AND d.schedule_id = ANY($2::uuid[])) x "
        "WHERE n <= $3 ORDER BY at DESC, period DESC, recipient_id",
        [current_tenant_id(), schedule_ids, limit],
    )
    found: dict[uuid.UUID, list[dict[str, Any]]] = {s: [] for s in schedule_ids}
    for row in rows:
        found[row["schedule_id"]].append(row)
    return found


def _filename(name: str, period: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "report"
    return f"{stem[:60]}-{period}.csv"


async def fire_due(now: datetime | None = None) -> int:
    """Deliver the current tenant's schedules due at `now`, in the caller's transaction; returns
    how many schedules fired."""
    if _runner is None:
        raise NotWired("report delivery needs the report runner: plug_report_runner()")
    at = now or datetime.now(timezone.utc)
    due = await tenant_connection().execute_query_dict(
        "SELECT * FROM report_schedule WHERE tenant_id = $1 AND deleted_at IS NULL AND next_run_at <= $2 "
        "ORDER BY next_run_at LIMIT $3 FOR UPDATE SKIP LOCKED",
        [current_tenant_id(), at, BATCH],
    )
    if not due:
        return 0
    zone = (await tenant_calendar()).zone
    for schedule in due:
        frequency = Frequency(schedule["frequency"])
        period = period_of(frequency, schedule["next_run_at"], zone)
        problem = await _deliver(schedule, period, _runner)
        await tenant_connection().execute_query(
            "UPDATE report_schedule SET next_run_at = $3, last_run_at = $4, last_error = $5, updated_at = now() "
            "WHERE tenant_id = $1 AND id = $2",
            [
                current_tenant_id(),
                schedule["id"],
                next_occurrence(frequency, schedule["weekday"], schedule["hour"], at, zone),
                at,
                problem,
            ],
        )
    return len(due)


async def _deliver(schedule: dict[str, Any], period: str, runner: ReportRunner) -> str | None:
    """Send the period's mail to each recipient not served yet; the first problem, if any."""
    conn = tenant_connection()
    done = await conn.execute_query_dict(
        "SELECT recipient_id FROM report_delivery WHERE tenant_id = $1 AND schedule_id = $2 AND period = $3",
        [current_tenant_id(), schedule["id"], period],
    )
    served = {row["recipient_id"] for row in done}
    members = await _members(list(schedule["recipient_ids"]))
    problems = []
    for recipient in schedule["recipient_ids"]:
        if recipient in served:
            continue
        status, detail, rows = await _send_one(schedule, period, recipient, members, runner)
        if status != "SENT":
            problems.append(f"{recipient}: {detail}")
        await conn.execute_query(
            "INSERT INTO report_delivery (tenant_id, schedule_id, period, recipient_id, status, detail, rows) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            [current_tenant_id(), schedule["id"], period, recipient, status, detail, rows],
        )
    return "; ".join(problems)[:1000] or None


async def _send_one(
    schedule: dict[str, Any],
    period: str,
    recipient: uuid.UUID,
    members: dict[uuid.UUID, tuple[Principal, str]],
    runner: ReportRunner,
) -> tuple[str, str | None, int | None]:
    if recipient not in members:
        return "SKIPPED", "no longer a member", None
    principal, email = members[recipient]
    try:
        report = await saved.get("report", principal=principal, record_id=schedule["report_id"])
    except NotFound:
        return "SKIPPED", "may not read the report (or it was deleted)", None
    conn = tenant_connection()
    await conn.execute_query("SAVEPOINT report_delivery")
    try:
        table = await runner(report["kind"], report["params"], principal)
        await conn.execute_query("RELEASE SAVEPOINT report_delivery")
    except DomainError as exc:  # the report no longer runs for this reader
        await conn.execute_query("ROLLBACK TO SAVEPOINT report_delivery")
        return "FAILED", f"the report did not run: {exc}", None
    text = csv_text(table)
    body = (
        f"{report['name']}: the {schedule['frequency'].lower()} delivery for {period}, as you may see it, "
        f"is attached ({len(table.rows)} rows).\n"
    )
    try:
        await send_mail(
            [email],
            f"{report['name']} ({period})",
            body,
            message_id=f"report-{schedule['id']}-{period}-{recipient}",
            attachments=(Attachment(_filename(report["name"], period), text.encode()),),
        )
    except (MailNotConfigured, OSError, smtplib.SMTPException) as exc:
        return "FAILED", f"mail not sent: {exc}", len(table.rows)
    return "SENT", None, len(table.rows)
