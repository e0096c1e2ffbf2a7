"""Scheduled delivery of saved reports by e-mail, fired by the scheduler's pass: each recipient's
mail arrives with the report as that recipient may see it attached as CSV, once per period (a
second pass in the period sends nothing, the next period sends again); recipients are checked;
another tenant can neither see, cancel nor have its scheduler fire the schedule."""

from __future__ import annotations

import email
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import asyncpg
import pytest

from tests.reports.test_sales import raw
from tests.reports.test_saved import NODE, SAVE, _object, _params
from tests.support.graphql import gql

SCHEDULE = """mutation($i: ScheduleReportInput!) { scheduleReport(input: $i) {
  id reportId frequency weekday hour recipientIds nextRunAt lastRunAt lastError } }"""
CANCEL = "mutation($i: CancelReportScheduleInput!) { cancelReportSchedule(input: $i) { id } }"
SCHEDULES = """query($r: ID) { reportSchedules(reportId: $r) { id nextRunAt lastRunAt lastError
  deliveries { period recipientId status detail rows } } }"""


@pytest.fixture
def mailbox(tmp_path):
    """A mail catcher this process's outgoing e-mail goes to for one test."""
    from domain.outbound.config import configure_outbound, outbound_config
    from tessera.mailcatcher import MailCatcher

    catcher = MailCatcher(tmp_path).start()
    before = outbound_config()
    configure_outbound(replace(before, smtp_url=catcher.url))
    yield catcher
    configure_outbound(before)
    catcher.stop()


async def _pass(at: datetime) -> int:
    from workers.scheduler import schedule_once

    return await schedule_once(at)


def _mails(raw_messages: list[bytes]) -> list[tuple[str, str, str, str]]:
    """(to, subject, attachment name, attachment text) of each message."""
    out = []
    for message in raw_messages:
        parsed = email.message_from_bytes(message)
        [attachment] = [p for p in parsed.walk() if p.get_filename()]
        out.append(
            (
                parsed["To"],
                parsed["Subject"],
                attachment.get_filename(),
                attachment.get_payload(decode=True).decode(),
            )
        )
    return out


async def _shared_report(client, admin, user_ids) -> str:
    name = await _object(client, admin, user_ids)
    saved = await gql(
        client,
        SAVE,
        {
            "i": {
                "name": "Weekly kinds",
                "kind": "AGGREGATE",
                "params": _params(name),
                "sharing": {"visibility": "SHARED", "sharedRoles": ["MEMBER"]},
            }
        },
        token=admin,
    )
    assert saved.data, saved.body
    return saved.data["saveReport"]["id"]


async def test_a_daily_report_mail_arrives_with_each_readers_csv_once_per_period(
    client, as_alpha, user_ids, mailbox, owner_db
):
    admin, member = as_alpha["admin"], as_alpha["member"]
    report = await _shared_report(client, admin, user_ids)
    made = await gql(
        client,
        SCHEDULE,
        {
            "i": {
                "reportId": report,
                "frequency": "DAILY",
                "hour": 7,
                "recipientIds": [user_ids["admin"], user_ids["member"]],
            }
        },
        token=member,  # a member may schedule a report shared with it
    )
    assert made.data, made.body
    schedule = made.data["scheduleReport"]
    try:
        first = datetime.fromisoformat(schedule["nextRunAt"])
        assert (first.hour, first.minute) == (7, 0)  # the tenant's zone is UTC in report tests
        assert await _pass(first - timedelta(minutes=1)) >= 0
        assert mailbox.messages() == []  # not due yet

        await _pass(first + timedelta(minutes=1))
        mails = _mails(mailbox.messages())
        period = first.date().isoformat()
        expected = {}
        for role in ("admin", "member"):
            csv_text = (await gql(client, NODE, {"id": report}, token=as_alpha[role])).data["node"][
                "csv"
            ]
            expected[f"{role}@alpha.test"] = (
                f"Weekly kinds ({period})",
                f"weekly-kinds-{period}.csv",
                csv_text,
            )
        assert {to: rest for to, *rest in mails} == {k: list(v) for k, v in expected.items()}
        assert expected["admin@alpha.test"][2] != expected["member@alpha.test"][2]  # own views

        # Again within the same period (and the same instant): nothing more.
        await _pass(first + timedelta(hours=3))
        await _pass(first + timedelta(minutes=1))
        assert len(mailbox.messages()) == 2
        listed = (await gql(client, SCHEDULES, {"r": report}, token=member)).data["reportSchedules"]
        [mine] = [s for s in listed if s["id"] == schedule["id"]]
        assert sorted((d["period"], d["status"]) for d in mine["deliveries"]) == [
            (period, "SENT"),
            (period, "SENT"),
        ]
        assert datetime.fromisoformat(mine["nextRunAt"]) == first + timedelta(days=1)
        assert mine["lastError"] is None
        # Even due again in the same period (a clock set back), the period's mail is not resent.
        await owner_db.execute(
            "UPDATE report_schedule SET next_run_at = $2 WHERE id = $1", raw(schedule["id"]), first
        )
        await _pass(first + timedelta(hours=2))
        assert len(mailbox.messages()) == 2

        # The next day: once more.
        await _pass(first + timedelta(days=1, minutes=5))
        assert len(mailbox.messages()) == 4
        later = _mails(mailbox.messages()[2:])
        next_period = (first + timedelta(days=1)).date().isoformat()
        assert {subject for _, subject, _, _ in later} == {f"Weekly kinds ({next_period})"}
    finally:
        await gql(client, CANCEL, {"i": {"id": schedule["id"]}}, token=member)
    # A cancelled schedule sends nothing.
    await _pass(first + timedelta(days=5))
    assert len(mailbox.messages()) == 4


async def test_weekly_schedules_and_their_checks(client, as_alpha, as_beta, user_ids, mailbox):
    admin = as_alpha["admin"]
    report = await _shared_report(client, admin, user_ids)
    beta_admin = (await gql(client, "{ me { id } }", token=as_beta["admin"])).data["me"]["id"]
    bad = await gql(
        client,
        SCHEDULE,
        {
            "i": {
                "reportId": report,
                "frequency": "WEEKLY",
                "hour": 30,
                "recipientIds": [user_ids["agent"], beta_admin],
            }
        },
        token=admin,
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    assert sorted((e["field"], e["code"]) for e in bad.errors[0]["extensions"]["fieldErrors"]) == [
        ("hour", "OUT_OF_RANGE"),
        ("recipientIds.0", "CANNOT_READ"),  # the report is shared with members, not agents
        ("recipientIds.1", "NOT_FOUND"),  # not a member of alpha
        ("weekday", "REQUIRED"),
    ]
    weekly = (
        await gql(
            client,
            SCHEDULE,
            {
                "i": {
                    "reportId": report,
                    "frequency": "WEEKLY",
                    "weekday": 2,
                    "hour": 9,
                    "recipientIds": [user_ids["member"]],
                }
            },
            token=admin,
        )
    ).data["scheduleReport"]
    try:
        first = datetime.fromisoformat(weekly["nextRunAt"])
        assert (first.weekday(), first.hour) == (2, 9)
        await _pass(first + timedelta(minutes=1))
        await _pass(first + timedelta(days=3))  # the same ISO week: nothing more
        [(to, subject, _, _)] = _mails(mailbox.messages())
        year, week, _ = first.isocalendar()
        assert (to, subject) == ("member@alpha.test", f"Weekly kinds ({year}-W{week:02d})")
        await _pass(first + timedelta(days=7, minutes=1))
        assert len(mailbox.messages()) == 2
    finally:
        await gql(client, CANCEL, {"i": {"id": weekly["id"]}}, token=admin)


async def test_schedules_stay_in_their_tenant(
    client, as_alpha, as_beta, user_ids, app_db, tenants, mailbox
):
    admin = as_alpha["admin"]
    report = await _shared_report(client, admin, user_ids)
    schedule = (
        await gql(
            client,
            SCHEDULE,
            {"i": {"reportId": report, "frequency": "DAILY", "recipientIds": [user_ids["admin"]]}},
            token=admin,
        )
    ).data["scheduleReport"]
    try:
        beta = as_beta["admin"]
        assert schedule["id"] not in [
            s["id"] for s in (await gql(client, SCHEDULES, token=beta)).data["reportSchedules"]
        ]
        assert (await gql(client, CANCEL, {"i": {"id": schedule["id"]}}, token=beta)).codes == [
            "NOT_FOUND"
        ]
        # Beta cannot schedule alpha's report either.
        stolen = await gql(
            client,
            SCHEDULE,
            {"i": {"reportId": report, "frequency": "DAILY", "recipientIds": [user_ids["admin"]]}},
            token=beta,
        )
        assert stolen.codes == ["NOT_FOUND"]
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            for table in ("report_schedule", "report_delivery"):
                assert (
                    await app_db.fetchval(
                        f"SELECT count(*) FROM {table} WHERE tenant_id = $1",
                        uuid.UUID(tenants["alpha"].id),
                    )
                    == 0
                )
        # Alpha's own transaction cannot hand the schedule to beta.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with app_db.transaction():
                await app_db.execute(
                    "SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id
                )
                await app_db.execute(
                    "UPDATE report_schedule SET tenant_id = $1 WHERE id = $2",
                    uuid.UUID(tenants["beta"].id),
                    raw(schedule["id"]),
                )
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            assert (
                await app_db.execute(
                    "UPDATE report_schedule SET next_run_at = now() WHERE id = $1",
                    raw(schedule["id"]),
                )
                == "UPDATE 0"
            )
    finally:
        await gql(client, CANCEL, {"i": {"id": schedule["id"]}}, token=admin)
