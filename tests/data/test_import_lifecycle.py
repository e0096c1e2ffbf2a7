"""Leads created in bulk (an import's batch is one INSERT) get their first lifecycle transition and
their place in the lifecycle funnel's pre-aggregate, as leads created one at a time do."""

from __future__ import annotations

import uuid

from tests.support.data import run_import, uploaded


async def test_imported_leads_have_their_first_transition_and_funnel_instants(
    client, tenants, as_alpha, owner_db
):
    admin, region = as_alpha["admin"], "r" + uuid.uuid4().hex[:10]
    text = "personName,region\n" + "".join(f"P{n},{region}\n" for n in range(3))
    job = await run_import(
        client, admin, fileId=await uploaded(client, admin, text.encode()), object="Lead"
    )
    assert job["result"]["created"] == 3, job
    rows = await owner_db.fetch(
        "SELECT l.id, l.lifecycle_stage, "
        "(SELECT count(*) FROM lifecycle_transition t WHERE t.tenant_id = l.tenant_id "
        " AND t.record_id = l.id AND t.from_stage IS NULL AND t.to_stage = l.lifecycle_stage) AS transitions, "
        "(SELECT count(*) FROM lifecycle_reach r WHERE r.tenant_id = l.tenant_id AND r.journey_id = l.id "
        " AND r.rank = 1) AS reached "
        "FROM lead l WHERE l.tenant_id = $1::uuid AND l.region = $2",
        tenants["alpha"].id,
        region,
    )
    assert len(rows) == 3
    assert all(r["lifecycle_stage"] and (r["transitions"], r["reached"]) == (1, 1) for r in rows)
