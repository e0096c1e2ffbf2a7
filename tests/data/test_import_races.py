"""An import racing a manual edit of the same record: whichever holds the record's row lock first
finishes first, the other works on what it committed, and no change is lost. An import's update
carries no version (it changes only its mapped fields, on the record as it is when locked); a
manual edit carries the version its author saw, so one made against the record as it was before
the import's batch is refused with CONFLICT, never applied over it."""

from __future__ import annotations

import asyncio
import contextvars
import uuid

from strawberry import relay

from tests.support.data import JOB, START, uploaded
from tests.support.graphql import gql
from tests.support.jobs import run_queued_jobs

CREATE_LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id version } }"
UPDATE_LEAD = "mutation($input: UpdateLeadInput!) { updateLead(input: $input) { version } }"
LEAD = "query($id: ID!) { node(id: $id) { ... on Lead { score region version } } }"
WAITING = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1"


async def _waiting(owner_db, query: str) -> None:
    """Until another connection waits for a lock in a statement starting with `query`."""
    while not await owner_db.fetchval(WAITING, query + "%"):  # noqa: ASYNC110 - polls another connection
        await asyncio.sleep(0.01)


async def _lead_and_import(client, admin: str) -> tuple[dict, str, str]:
    """A lead, and an import (queued, not run) that sets its score; the lead, the job's id, the
    lead's email."""
    email = f"race.{uuid.uuid4().hex[:8]}@example.com"
    lead = (
        await gql(
            client, CREATE_LEAD, {"input": {"personName": "Ann", "email": email}}, token=admin
        )
    ).data["createLead"]
    file_id = await uploaded(client, admin, f"email,score\n{email},77\n".encode())
    started = await gql(
        client,
        START,
        {"input": {"fileId": file_id, "object": "Lead", "mode": "UPDATE", "matchBy": "email"}},
        token=admin,
    )
    return lead, started.data["startImport"]["id"], email


async def test_an_import_waits_for_a_manual_edit_in_flight_and_keeps_it(
    client, tenants, as_alpha, app_db, owner_db
):
    admin = as_alpha["admin"]
    lead, job_id, _ = await _lead_and_import(client, admin)
    raw_id = uuid.UUID(relay.GlobalID.from_id(lead["id"]).node_id)
    # A member's edit is being written: its transaction holds the lead's row.
    edit = app_db.transaction()
    await edit.start()
    try:
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        await app_db.execute(
            "UPDATE lead SET region = 'edited', version = version + 1 WHERE id = $1", raw_id
        )
        running = asyncio.create_task(run_queued_jobs(), context=contextvars.Context())
        await _waiting(owner_db, "SELECT t.* FROM lead t")  # the import's lock of the row
    finally:
        await edit.commit()
    await running
    job = (await gql(client, JOB, {"id": job_id}, token=admin)).data["job"]
    assert (job["status"], job["result"]["updated"]) == ("SUCCEEDED", 1), job
    now = (await gql(client, LEAD, {"id": lead["id"]}, token=admin)).data["node"]
    assert now == {"score": 77, "region": "edited", "version": lead["version"] + 2}


async def test_a_manual_edit_arriving_during_an_import_batch_is_refused_not_lost(
    client, as_alpha, owner_db, monkeypatch
):
    from domain.jobs.runner import RunningJob

    admin = as_alpha["admin"]
    lead, job_id, _ = await _lead_and_import(client, admin)
    report = RunningJob.progress
    edits: list[asyncio.Task] = []

    async def edit_during_the_batch(self, done, total=None):
        await report(self, done, total)
        # The member saves a change made on the lead as they loaded it before the import: the
        # save waits for the batch's lock on the row, then finds a newer version.
        edits.append(
            asyncio.create_task(
                gql(
                    client,
                    UPDATE_LEAD,
                    {"input": {"id": lead["id"], "version": lead["version"], "score": 5}},
                    token=admin,
                ),
                context=contextvars.Context(),
            )
        )
        await _waiting(owner_db, "SELECT t.* FROM lead t")

    monkeypatch.setattr(RunningJob, "progress", edit_during_the_batch)
    await run_queued_jobs()
    monkeypatch.setattr(RunningJob, "progress", report)
    assert (await edits[0]).codes == ["CONFLICT"]
    now = (await gql(client, LEAD, {"id": lead["id"]}, token=admin)).data["node"]
    assert (now["score"], now["version"]) == (77, lead["version"] + 1)
    job = (await gql(client, JOB, {"id": job_id}, token=admin)).data["job"]
    assert job["result"]["updated"] == 1, job
