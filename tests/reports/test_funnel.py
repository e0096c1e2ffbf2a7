"""The lifecycle funnel: transitions are recorded on every path that moves a stage (create,
update, conversion, a won deal), a back-fill restores them from the audit trail, and the funnel's
numbers match a Python computation over the journeys the test made; members count only what
they see; another tenant never reads the transitions (API and RLS)."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from tests.reports.support import default_won_stage
from tests.reports.test_sales import raw
from tests.support.graphql import gql
from tests.support.records import unique

STAGES = ("LEAD", "MQL", "SQL", "OPPORTUNITY", "CUSTOMER", "ADVOCATE")
CREATE_LEAD = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id version } }"
UPDATE_LEAD = "mutation($i: UpdateLeadInput!) { updateLead(input: $i) { id version } }"
CONVERT = (
    "mutation($i: ConvertLeadInput!) { convertLead(input: $i) { convertedCustomer { id } "
    "convertedOpportunity { id version } } }"
)
MOVE = "mutation($i: UpdateOpportunityInput!) { updateOpportunity(input: $i) { version } }"
FUNNEL = (
    "query($w: ReportWindow!) { lifecycleFunnel(period: $w) { stage entered conversionToNext } }"
)
WINDOW = {"start": "2020-01-01T00:00:00+00:00", "end": "2020-02-01T00:00:00+00:00"}


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)


async def _lead(client, token, stage, owner):
    item = {"companyName": unique("Funnel"), "lifecycleStage": stage, "ownerId": owner}
    return (await gql(client, CREATE_LEAD, {"i": item}, token=token)).data["createLead"]


async def _advance(client, token, lead, stage):
    return (
        await gql(
            client,
            UPDATE_LEAD,
            {"i": {"id": lead["id"], "version": lead["version"], "lifecycleStage": stage}},
            token=token,
        )
    ).data["updateLead"]


async def _place(owner_db, record_id: uuid.UUID, expected: list[str], times: list[str]) -> None:
    """Check the record's recorded transitions, then move them to the test's times."""
    rows = await owner_db.fetch(
        "SELECT id, to_stage FROM lifecycle_transition WHERE record_id = $1 ORDER BY changed_at, to_stage",
        record_id,
    )
    assert [r["to_stage"] for r in rows] == expected
    for row, day in zip(rows, times, strict=True):
        await owner_db.execute(
            "UPDATE lifecycle_transition SET changed_at = $2 WHERE id = $1", row["id"], at(day)
        )


def expected_funnel(journeys: list[list[tuple[str, str]]]) -> list[tuple[str, int]]:
    start, end = at("2020-01-01"), at("2020-02-01")
    counts = dict.fromkeys(STAGES, 0)
    for moves in journeys:
        before = max([STAGES.index(s) + 1 for s, d in moves if at(d) < start], default=0)
        reached = max([STAGES.index(s) + 1 for s, d in moves if start <= at(d) < end], default=0)
        for rank in range(before + 1, reached + 1):
            counts[STAGES[rank - 1]] += 1
    return list(counts.items())


async def test_the_funnel_counts_journeys_that_newly_reached_each_stage(
    client, as_alpha, as_beta, user_ids, owner_db
):
    admin, member = as_alpha["admin"], as_alpha["member"]
    a = await _lead(client, admin, "LEAD", user_ids["member"])
    a = await _advance(client, admin, a, "MQL")
    a = await _advance(client, admin, a, "SQL")
    b = await _lead(client, admin, "MQL", user_ids["admin"])
    c = await _lead(client, admin, "LEAD", user_ids["admin"])
    c = await _advance(client, admin, c, "MQL")
    d = await _lead(client, admin, "LEAD", user_ids["admin"])
    converted = (
        await gql(
            client, CONVERT, {"i": {"leadId": d["id"], "createOpportunity": True}}, token=admin
        )
    ).data["convertLead"]
    won_stage = await default_won_stage(client, admin)
    deal = converted["convertedOpportunity"]
    await gql(
        client,
        MOVE,
        {"i": {"id": deal["id"], "version": deal["version"], "stageId": won_stage}},
        token=admin,
    )
    e = await _lead(client, admin, "LEAD", user_ids["admin"])

    journeys = {
        "a": [("LEAD", "2020-01-05"), ("MQL", "2020-01-10"), ("SQL", "2020-01-20")],
        "b": [("MQL", "2020-01-07")],
        "c": [("LEAD", "2019-12-01"), ("MQL", "2020-01-03")],
        "d": [("LEAD", "2020-01-02"), ("OPPORTUNITY", "2020-01-15")],
        "d customer": [("OPPORTUNITY", "2020-01-15"), ("CUSTOMER", "2020-01-25")],
        "e": [("LEAD", "2020-02-05")],
    }
    records = {"a": a, "b": b, "c": c, "d": d, "d customer": converted["convertedCustomer"], "e": e}
    for name, moves in journeys.items():
        await _place(
            owner_db, raw(records[name]["id"]), [s for s, _ in moves], [day for _, day in moves]
        )

    funnel = (await gql(client, FUNNEL, {"w": WINDOW}, token=admin)).data["lifecycleFunnel"]
    whole = [
        journeys["a"],
        journeys["b"],
        journeys["c"],
        journeys["d"] + journeys["d customer"],
        journeys["e"],
    ]
    expected = expected_funnel(whole)
    assert [(s["stage"], s["entered"]) for s in funnel] == expected
    for here, following, line in zip(expected, [*expected[1:], None], funnel, strict=True):
        want = (
            None
            if following is None or not here[1]
            else (Decimal(following[1]) / here[1]).quantize(Decimal("0.0001"))
        )
        assert (Decimal(line["conversionToNext"]) if line["conversionToNext"] else None) == want

    # The member sees only lead a (its own).
    mine = (await gql(client, FUNNEL, {"w": WINDOW}, token=member)).data["lifecycleFunnel"]
    assert [(s["stage"], s["entered"]) for s in mine] == expected_funnel([journeys["a"]])

    # Another tenant counts none of it, and cannot read the transitions at the database either.
    theirs = (await gql(client, FUNNEL, {"w": WINDOW}, token=as_beta["admin"])).data[
        "lifecycleFunnel"
    ]
    assert all(s["entered"] == 0 for s in theirs)


async def test_row_level_security_hides_other_tenants_transitions(
    client, as_alpha, app_db, tenants, user_ids
):
    await _lead(client, as_alpha["admin"], "MQL", user_ids["admin"])
    alpha = uuid.UUID(tenants["alpha"].id)
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM lifecycle_transition WHERE tenant_id = $1", alpha
            )
            == 0
        )
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):  # the policy's WITH CHECK
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            await app_db.execute(
                "INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, to_stage) "
                "VALUES ($1, gen_random_uuid(), 'Lead', gen_random_uuid(), 'MQL')",
                alpha,
            )
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM lifecycle_transition WHERE tenant_id = $1", alpha
            )
            > 0
        )
    assert (
        await app_db.fetchval("SELECT count(*) FROM lifecycle_transition") == 0
    )  # no tenant set: nothing


def _backfill_statements() -> tuple[str, ...]:
    path = (
        Path(__file__).resolve().parents[2]
        / "alembic"
        / "versions"
        / "0022_lifecycle_transitions.py"
    )
    spec = importlib.util.spec_from_file_location("lifecycle_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(statement.format(tenant=module._TENANT) for statement in module.BACKFILL)


async def test_the_backfill_restores_transitions_from_the_audit_trail(
    client, as_alpha, user_ids, owner_db, tenants
):
    admin = as_alpha["admin"]
    lead = await _lead(client, admin, "LEAD", user_ids["admin"])
    lead = await _advance(client, admin, lead, "SQL")
    quiet = await _lead(client, admin, "MQL", user_ids["admin"])
    ids = [raw(lead["id"]), raw(quiet["id"])]
    await owner_db.execute(
        "DELETE FROM lifecycle_transition WHERE record_id = ANY($1::uuid[])", ids
    )
    await owner_db.execute(
        "DELETE FROM audit_event WHERE record_id = $1", ids[1]
    )  # a record older than its audit trail
    # What the migration runs for each tenant (with the tenant set), run again: it fills only what is missing.
    for _ in range(2):
        async with owner_db.transaction():
            await owner_db.execute(
                "SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id
            )
            for statement in _backfill_statements():
                await owner_db.execute(statement)
    rows = await owner_db.fetch(
        "SELECT record_id, from_stage, to_stage FROM lifecycle_transition WHERE record_id = ANY($1::uuid[]) "
        "ORDER BY record_id = $2, changed_at, to_stage",
        ids,
        ids[1],
    )
    assert [(r["record_id"], r["from_stage"], r["to_stage"]) for r in rows] == [
        (ids[0], None, "LEAD"),
        (ids[0], "LEAD", "SQL"),
        (ids[1], None, "MQL"),
    ]
