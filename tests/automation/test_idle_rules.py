"""Idle (and other time-based) rules select only the records their conditions may hold for, in
SQL where the conditions can be written there and in Python where not, write no run for records
that do not meet them, and so still remind a record that starts to meet them later. The
selection walks indexes, as the application role sees it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from strawberry import relay

from tests.support.automation import disable, make_rule, runs_of
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql

LEADS = "mutation($i: [CreateLeadInput!]!) { bulkCreateLeads(input: {items: $i}) { id version } }"
LEAD_TASKS = "query($id: ID!) { node(id: $id) { ... on Lead { version timeline { edges { node { subject } } } } } }"


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex[:8]


def raw(global_id: str) -> str:
    """The record id a run names (the run log shows records' own ids)."""
    return relay.GlobalID.from_id(global_id).node_id


async def scheduler_pass(days_ahead: float) -> int:
    from workers.scheduler import schedule_once

    return await schedule_once(datetime.now(timezone.utc) + timedelta(days=days_ahead))


async def test_a_lead_that_did_not_meet_the_conditions_is_reminded_once_it_does(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    rule = await make_rule(
        client,
        admin,
        name="Idle working leads",
        object="Lead",
        trigger={"on": "idle", "days": 3},
        conditions={
            "all": [
                {"field": "status", "op": "eq", "value": "WORKING"},
                {"field": "companyName", "op": "eq", "value": marker},
            ]
        },
        actions=[{"type": "create_task", "subject": "Call {{companyName}} again"}],
    )
    try:
        # Given a NEW lead, idle for four days: the rule does not apply, and leaves no run behind
        [lead] = (await gql(client, LEADS, {"i": [{"companyName": marker}]}, token=admin)).data[
            "bulkCreateLeads"
        ]
        await scheduler_pass(days_ahead=4)
        assert await runs_of(client, admin, rule["id"], unmatched=True) == []

        # When it becomes WORKING (no activity logged, so still the same idle stretch)
        assert (
            await gql(
                client,
                "mutation($i: UpdateLeadInput!) { updateLead(input: $i) { status } }",
                {"i": {"id": lead["id"], "version": 1, "status": "WORKING"}},
                token=admin,
            )
        ).data
        await scheduler_pass(days_ahead=4)
        await scheduler_pass(days_ahead=4)

        # Then it is reminded, once
        runs = await runs_of(client, admin, rule["id"], unmatched=True)
        assert [r["status"] for r in runs] == ["SUCCEEDED"]
        timeline = (await gql(client, LEAD_TASKS, {"id": lead["id"]}, token=admin)).data["node"][
            "timeline"
        ]["edges"]
        assert [t["node"]["subject"] for t in timeline] == [f"Call {marker} again"]
    finally:
        await disable(client, admin, rule)


async def test_one_pass_reaches_a_new_idle_lead_behind_many_that_do_not_match_and_logs_only_it(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    # Given 300 idle leads the rule's conditions exclude, created before the one they include
    for _ in range(3):
        assert (
            await gql(
                client,
                LEADS,
                {"i": [{"companyName": f"Other {marker}", "region": marker}] * 100},
                token=admin,
            )
        ).data
    [wanted] = (
        await gql(
            client,
            LEADS,
            {"i": [{"companyName": f"Wanted {marker}", "region": marker}]},
            token=admin,
        )
    ).data["bulkCreateLeads"]
    rule = await make_rule(
        client,
        admin,
        name="Idle in region",
        object="Lead",
        trigger={"on": "idle", "days": 1},
        conditions={
            "all": [
                {"field": "region", "op": "eq", "value": marker},
                {"not": {"field": "companyName", "op": "in", "value": [f"Other {marker}"]}},
            ]
        },
        actions=[{"type": "create_task", "subject": "Wake up"}],
    )
    try:
        # When one scheduler pass runs
        await scheduler_pass(days_ahead=2)
        # Then the wanted lead got its run, and none of the others has one
        runs = await runs_of(client, admin, rule["id"], unmatched=True)
        assert [(r["status"], r["recordId"]) for r in runs] == [("SUCCEEDED", wanted["id"])]
    finally:
        await disable(client, admin, rule)


async def test_conditions_sql_cannot_express_are_checked_in_python_without_logging_the_rest(
    client, as_alpha, marker
):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="title", type="TEXT")])
    # Given custom records, one of which meets a condition on a custom field (checked in Python)
    records = [
        (await create_record(client, admin, name, {"title": title})).data["createRecord"]
        for title in ("Quiet one", "Loud one", "Quiet two")
    ]
    rule = await make_rule(
        client,
        admin,
        name="Idle loud",
        object=name,
        trigger={"on": "idle", "days": 1},
        conditions={"field": "title", "op": "contains", "value": "loud"},
        actions=[{"type": "add_tags", "names": ["idle"]}],
    )
    try:
        await scheduler_pass(days_ahead=2)
        await scheduler_pass(days_ahead=2)
        runs = await runs_of(client, admin, rule["id"], unmatched=True)
        assert [(r["status"], r["recordId"]) for r in runs] == [("SUCCEEDED", records[1]["id"])]
    finally:
        await disable(client, admin, rule)


async def test_the_idle_selection_walks_indexes_as_the_application_role(tenants, app_db):
    from domain.automation.schedule import selection
    from tenants.context import tenant_transaction

    # Given an idle rule on leads with conditions SQL can express
    conditions = {
        "all": [
            {"field": "status", "op": "in", "value": ["NEW", "WORKING"]},
            {"field": "score", "op": "gte", "value": 10},
            {"field": "ownerId", "op": "isNull"},
        ]
    }
    rule = {
        "id": uuid.uuid4(),
        "object": "Lead",
        "trigger": {"on": "idle", "days": 3},
        "conditions": conditions,
    }
    async with tenant_transaction(uuid.UUID(tenants["alpha"].id)):
        _, sql, params = await selection(rule, datetime.now(timezone.utc))
    # Then the conditions are in the selecting statement itself
    assert "t.status = $" in sql and "t.score >= $" in sql and "t.owner_id IS NULL" in sql
    # and, planned as the application role under row-level security, it reads indexes only: the
    # leads by their key (in the order it pages them), and the rule's earlier runs by the run index
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        await app_db.execute(
            "SET LOCAL enable_seqscan = off"
        )  # small tables: make the planner's choice visible
        plan = "\n".join(r[0] for r in await app_db.fetch("EXPLAIN " + sql, *params))
    assert "Seq Scan" not in plan, plan
    assert (
        "Index Scan using lead_pkey on lead t" in plan
        and "Index Scan using automation_run_record_idx" in plan
    ), plan


CONDITIONS = [
    {"field": "status", "op": "eq", "value": "WORKING"},
    {"field": "status", "op": "neq", "value": "WORKING"},
    {"field": "status", "op": "notIn", "value": ["NEW", "QUALIFIED"]},
    {"field": "score", "op": "gt", "value": "20"},
    {"field": "score", "op": "lte", "value": 20},
    {"field": "score", "op": "eq", "value": 20.0},
    {"field": "region", "op": "isNull"},
    {"field": "region", "op": "isNull", "value": False},
    {"field": "region", "op": "contains", "value": "ST"},
    {"field": "lastActivityAt", "op": "notWithinDays", "value": 10},
    {"previous": "status", "op": "isNull"},
    {
        "not": {
            "any": [
                {"field": "score", "op": "gte", "value": 50},
                {"field": "region", "op": "contains", "value": "we"},
            ]
        }
    },
    {
        "not": {
            "all": [
                {"field": "region", "op": "eq", "value": "East"},
                {"actor": "role", "op": "eq", "value": "admin"},
            ]
        }
    },
    {"any": []},
    {
        "all": [
            {"field": "ownerId", "op": "isNull", "value": False},
            {"not": {"field": "score", "op": "in", "value": [0, 50]}},
        ]
    },
]


@pytest.mark.parametrize("conditions", CONDITIONS)
async def test_the_selecting_sql_keeps_every_record_the_conditions_hold_for(
    client, as_alpha, tenants, marker, conditions
):
    """Soundness: whatever the SQL narrows, it never drops a record the conditions hold for."""
    from domain.automation.conditions import evaluate
    from domain.automation.schedule import selection
    from domain.automation.targets import spec_of, values_of_row
    from tenants.context import tenant_connection, tenant_transaction

    admin = as_alpha["admin"]
    items = [
        {"companyName": marker, "status": status, "score": score, "region": region}
        for status, score, region in (
            ("NEW", 0, None),
            ("WORKING", 20, "East"),
            ("QUALIFIED", 50, "West"),
            ("WORKING", 70, ""),
            ("NURTURING", 5, "Northwest"),
        )
    ]
    made = (await gql(client, LEADS, {"i": items}, token=admin)).data["bulkCreateLeads"]
    ours = {uuid.UUID(raw(lead["id"])) for lead in made}
    rule = {
        "id": uuid.uuid4(),
        "object": "Lead",
        "trigger": {"on": "idle", "days": 1},
        "conditions": conditions,
    }
    async with tenant_transaction(uuid.UUID(tenants["alpha"].id)):
        _, sql, params = await selection(rule, datetime.now(timezone.utc) + timedelta(days=2))
        selected = {
            row["id"]
            for row in await tenant_connection().execute_query_dict(
                sql.replace("LIMIT 200", ""), params
            )
        }
        spec = await spec_of("Lead")
        rows = await tenant_connection().execute_query_dict(
            f"SELECT {spec.select_list} FROM lead t WHERE t.id = ANY($1::uuid[])", [list(ours)]
        )
    holds = {
        row["id"]
        for row in rows
        if evaluate(
            conditions, current=values_of_row(spec, dict(row)), previous={}, changed=set(), actor={}
        )
    }
    assert holds <= selected & ours
