"""The lifecycle funnel's pre-aggregate (`lifecycle_reach`, migration 0033) stays exactly what the
transitions say after every kind of write: stage changes, conversions, back-dated and edited and
removed transitions, deleted and restored leads, merged and unmerged customers, deleted customers,
hard deletes. Each check recomputes it in Python from the tenant's rows; the admin's funnel (which
reads it) is checked against the same computation. Another tenant never reads or writes its rows."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timezone

import asyncpg
import pytest

from tests.reports.test_funnel import CONVERT, STAGES, _advance, _lead
from tests.reports.test_sales import raw
from tests.support.graphql import gql
from tests.support.records import unique

FUNNEL = (
    "query($w: ReportWindow!) { lifecycleFunnel(period: $w) { stage entered conversionToNext } }"
)
CREATE_CUSTOMER = "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { id } }"
MERGE = "mutation($i: MergeRecordsInput!) { mergeRecords(input: $i) { id survivorId mergedIds } }"
UNMERGE = "mutation($id: ID!) { unmergeRecords(input: {mergeId: $id}) { id undoneAt } }"


async def expected_reach(owner_db, tenant: uuid.UUID) -> dict[tuple[uuid.UUID, int], datetime]:
    """Per (journey, rank): the earliest transition into that stage or a later one among the
    journey's records that are not deleted (a converted lead's journey is its customer's)."""
    leads = {
        r["id"]: r
        for r in await owner_db.fetch(
            "SELECT id, converted_customer_id, deleted_at FROM lead WHERE tenant_id = $1", tenant
        )
    }
    customers = {
        r["id"]: r
        for r in await owner_db.fetch(
            "SELECT id, deleted_at FROM customer WHERE tenant_id = $1", tenant
        )
    }
    reach: dict[tuple[uuid.UUID, int], datetime] = {}
    for move in await owner_db.fetch(
        "SELECT record_type, record_id, to_stage, changed_at FROM lifecycle_transition WHERE tenant_id = $1",
        tenant,
    ):
        if move["to_stage"] not in STAGES:
            continue
        if move["record_type"] == "Lead":
            lead = leads.get(move["record_id"])
            if lead is None or lead["deleted_at"] is not None:
                continue
            journey = lead["converted_customer_id"] or lead["id"]
        else:
            customer = customers.get(move["record_id"])
            if customer is None or customer["deleted_at"] is not None:
                continue
            journey = customer["id"]
        for rank in range(1, STAGES.index(move["to_stage"]) + 2):
            key = (journey, rank)
            reach[key] = min(reach.get(key, move["changed_at"]), move["changed_at"])
    return reach


async def stored_reach(owner_db, tenant: uuid.UUID) -> dict[tuple[uuid.UUID, int], datetime]:
    rows = await owner_db.fetch(
        "SELECT journey_id, rank, reached_at FROM lifecycle_reach WHERE tenant_id = $1", tenant
    )
    return {(r["journey_id"], r["rank"]): r["reached_at"] for r in rows}


async def check(owner_db, tenant: uuid.UUID) -> None:
    assert await stored_reach(owner_db, tenant) == await expected_reach(owner_db, tenant)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)


async def test_the_pre_aggregate_follows_every_write(
    client, as_alpha, user_ids, owner_db, app_db, tenants
):
    admin = as_alpha["admin"]
    tenant = uuid.UUID(tenants["alpha"].id)
    await check(owner_db, tenant)

    # Stage changes through the API.
    a = await _lead(client, admin, "LEAD", user_ids["admin"])
    a = await _advance(client, admin, a, "MQL")
    a = await _advance(client, admin, a, "SQL")
    b = await _lead(client, admin, "MQL", user_ids["member"])
    await check(owner_db, tenant)

    # A conversion moves the lead's history into its customer's journey.
    c = await _lead(client, admin, "SQL", user_ids["admin"])
    converted = (
        await gql(
            client, CONVERT, {"i": {"leadId": c["id"], "createOpportunity": True}}, token=admin
        )
    ).data["convertLead"]
    await check(owner_db, tenant)

    # Back-dated history (what a back-fill writes), as the application role under RLS; then an
    # edited instant and a removed transition.
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        await app_db.execute(
            "INSERT INTO lifecycle_transition (tenant_id, id, record_type, record_id, to_stage, changed_at) "
            "VALUES ($1, gen_random_uuid(), 'Lead', $2, 'MQL', $3), ($1, gen_random_uuid(), 'Lead', $2, 'LEAD', $4)",
            tenant,
            raw(a["id"]),
            at("2019-03-01"),
            at("2019-01-01"),
        )
    await check(owner_db, tenant)
    first = await owner_db.fetchval(
        "SELECT id FROM lifecycle_transition WHERE record_id = $1 ORDER BY changed_at LIMIT 1",
        raw(a["id"]),
    )
    await owner_db.execute(
        "UPDATE lifecycle_transition SET changed_at = $2 WHERE id = $1", first, at("2019-06-01")
    )
    await check(owner_db, tenant)
    await owner_db.execute("DELETE FROM lifecycle_transition WHERE id = $1", first)
    await check(owner_db, tenant)

    # A deleted lead leaves the funnel; restored, it comes back.
    await gql(
        client,
        "mutation($i: DeleteInput!) { deleteLead(input: $i) { id } }",
        {"i": {"id": b["id"]}},
        token=admin,
    )
    assert not any(j == raw(b["id"]) for j, _ in await stored_reach(owner_db, tenant))
    await check(owner_db, tenant)
    await gql(
        client,
        "mutation($i: RestoreInput!) { restoreLead(input: $i) { id } }",
        {"i": {"id": b["id"]}},
        token=admin,
    )
    assert any(j == raw(b["id"]) for j, _ in await stored_reach(owner_db, tenant))
    await check(owner_db, tenant)

    # Merging customers: the merged one is deleted and its converted lead moves to the survivor.
    survivor = (
        await gql(
            client,
            CREATE_CUSTOMER,
            {"i": {"name": unique("Reach survivor"), "lifecycleStage": "CUSTOMER"}},
            token=admin,
        )
    ).data["createCustomer"]
    merged = converted["convertedCustomer"]
    merge = (
        await gql(
            client,
            MERGE,
            {
                "i": {
                    "object": "Customer",
                    "survivorId": survivor["id"],
                    "mergedIds": [merged["id"]],
                }
            },
            token=admin,
        )
    ).data["mergeRecords"]
    assert await owner_db.fetchval(
        "SELECT converted_customer_id FROM lead WHERE id = $1", raw(c["id"])
    ) == raw(survivor["id"])
    await check(owner_db, tenant)
    await gql(client, UNMERGE, {"id": merge["id"]}, token=admin)
    await check(owner_db, tenant)

    # A deleted customer, and hard deletes (a purge).
    await gql(
        client,
        "mutation($i: DeleteInput!) { deleteCustomer(input: $i) { id } }",
        {"i": {"id": survivor["id"]}},
        token=admin,
    )
    await check(owner_db, tenant)
    await owner_db.execute("DELETE FROM lifecycle_transition WHERE record_id = $1", raw(b["id"]))
    await check(owner_db, tenant)

    # The admin's funnel reads the pre-aggregate: it agrees with the journeys computed here.
    start, end = at("2017-01-01"), at("2026-12-31")
    window = {"start": start.isoformat(), "end": end.isoformat()}
    funnel = (await gql(client, FUNNEL, {"w": window}, token=admin)).data["lifecycleFunnel"]
    counts: dict[int, int] = defaultdict(int)
    for (_, rank), instant in (await expected_reach(owner_db, tenant)).items():
        counts[rank] += start <= instant < end
    assert [s["entered"] for s in funnel] == [counts[rank] for rank in range(1, 7)]
    assert counts[1] > 0


async def test_row_level_security_keeps_each_tenants_reach_apart(
    client, as_alpha, user_ids, app_db, tenants
):
    await _lead(client, as_alpha["admin"], "MQL", user_ids["admin"])
    alpha = uuid.UUID(tenants["alpha"].id)
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM lifecycle_reach WHERE tenant_id = $1", alpha
            )
            == 0
        )
        assert (
            await app_db.execute("DELETE FROM lifecycle_reach WHERE tenant_id = $1", alpha)
            == "DELETE 0"
        )
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):  # the policy's WITH CHECK
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
            await app_db.execute(
                "INSERT INTO lifecycle_reach (tenant_id, journey_id, rank, reached_at) "
                "VALUES ($1, gen_random_uuid(), 1, now())",
                alpha,
            )
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM lifecycle_reach WHERE tenant_id = $1", alpha
            )
            > 0
        )
    assert await app_db.fetchval("SELECT count(*) FROM lifecycle_reach") == 0  # no tenant set
