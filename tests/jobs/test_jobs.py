"""Background jobs: run in committed batches with progress and errors, cancelled between batches,
resumed after a runner died without doing a batch twice, and seen only by who started them (or an
admin) of their own tenant."""

from __future__ import annotations

import asyncio
import contextvars
import uuid

import asyncpg
import pytest
from strawberry import relay

from domain.jobs import JobError, register_job_kind
from tests.support.graphql import gql
from tests.support.jobs import run_queued_jobs, start_as

JOB = """query($id: ID!) { job(id: $id) { id kind status progressDone progressTotal result error errorsCount
  createdBy { email } errors(first: 100) { position row field code message } } }"""
JOBS = """query($filter: JobFilter) { jobs(filter: $filter, first: 100) { totalCount edges { node { id kind status } } } }"""
CANCEL = """mutation($id: ID!) { cancelJob(input: {id: $id}) { id status } }"""


class Killed(BaseException):
    """Stands for the worker process dying mid-batch: nothing in the runner catches it."""


HOOKS: dict[str, object] = {}


async def count_units(job) -> dict:
    """Counts params.n units in batches of params.batch; every third unit is an error (so the
    errors show exactly which units were done, and how often)."""
    n, size = job.params["n"], job.params["batch"]
    start = job.checkpoint.get("next", 1)
    while start <= n:
        async with job.batch():
            units = range(start, min(n, start + size - 1) + 1)
            await job.errors(
                [JobError("THIRD", f"unit {u}", row=u, field="unit") for u in units if u % 3 == 0]
            )
            await job.progress(units[-1], n)
            job.checkpoint = {"next": units[-1] + 1}
            hook = HOOKS.get(job.params.get("hook", ""))
            if hook is not None:
                await hook(units[-1])  # type: ignore[operator]
        start = units[-1] + 1
    return {"counted": n}


register_job_kind("tests.count", count_units)


def gid(job_id: uuid.UUID) -> str:
    return str(relay.GlobalID("Job", str(job_id)))


async def test_a_job_runs_in_batches_and_reports_progress_errors_and_result(
    client, tenants, as_alpha
):
    job_id = await start_as(
        tenants["alpha"].id, "member@alpha.test", "tests.count", {"n": 10, "batch": 4}
    )
    queued = (await gql(client, JOB, {"id": gid(job_id)}, token=as_alpha["member"])).data["job"]
    assert queued["status"] == "QUEUED" and queued["progressDone"] == 0

    ran = await run_queued_jobs()
    assert ran[str(job_id)] == "SUCCEEDED"
    job = (await gql(client, JOB, {"id": gid(job_id)}, token=as_alpha["member"])).data["job"]
    assert job["status"] == "SUCCEEDED" and job["kind"] == "tests.count"
    assert (job["progressDone"], job["progressTotal"], job["result"]) == (10, 10, {"counted": 10})
    assert job["createdBy"]["email"] == "member@alpha.test"
    assert job["errorsCount"] == 3
    assert [(e["position"], e["row"], e["field"], e["code"]) for e in job["errors"]] == [
        (1, 3, "unit", "THIRD"),
        (2, 6, "unit", "THIRD"),
        (3, 9, "unit", "THIRD"),
    ]
    # A finished job runs no more, whatever delivers its message again.
    from workers.jobs import execute_job

    assert await execute_job(tenants["alpha"].id, str(job_id)) is None


async def test_a_job_cancelled_while_running_stops_before_its_next_batch(
    client, tenants, as_alpha, owner_db
):
    from workers.jobs import execute_job

    job_id = await start_as(
        tenants["alpha"].id,
        "member@alpha.test",
        "tests.count",
        {"n": 12, "batch": 3, "hook": "cancel"},
    )
    cancels: list[asyncio.Task] = []

    async def cancel_during_first_batch(done: int) -> None:
        if done != 3:
            return
        # The member cancels while the first batch is being written: the cancel waits for the
        # batch's lock on the job, so it lands after this batch and before the next.
        # (A fresh context: the request must not inherit the runner's open transaction.)
        cancels.append(
            asyncio.create_task(
                gql(client, CANCEL, {"id": gid(job_id)}, token=as_alpha["member"]),
                context=contextvars.Context(),
            )
        )
        while not await owner_db.fetchval(  # noqa: ASYNC110 - polls another connection's state
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE job SET status = ''CANCELLED''%'"
        ):
            await asyncio.sleep(0.01)

    HOOKS["cancel"] = cancel_during_first_batch
    try:
        status = await execute_job(tenants["alpha"].id, str(job_id))
    finally:
        HOOKS.pop("cancel")
    assert (await cancels[0]).data["cancelJob"]["status"] == "CANCELLED"
    assert status == "CANCELLED"
    job = (await gql(client, JOB, {"id": gid(job_id)}, token=as_alpha["member"])).data["job"]
    # It stopped at a batch boundary before its end (the cancel, waiting for the first batch's
    # lock, commits after that batch; PostgreSQL may let the runner's next batch take the lock
    # first), and what it kept is exactly what its progress counts.
    assert job["status"] == "CANCELLED" and job["progressDone"] in (3, 6, 9)
    assert [e["row"] for e in job["errors"]] == [u for u in (3, 6, 9) if u <= job["progressDone"]]
    again = await gql(client, CANCEL, {"id": gid(job_id)}, token=as_alpha["member"])
    assert again.codes == ["CONFLICT"]


async def test_a_job_whose_runner_died_resumes_without_doing_a_batch_twice(
    client, tenants, as_alpha, owner_db
):
    from domain.jobs import JobBusy
    from workers.jobs import execute_job

    alpha = tenants["alpha"].id
    job_id = await start_as(
        alpha, "member@alpha.test", "tests.count", {"n": 9, "batch": 3, "hook": "die"}
    )

    async def die_in_second_batch(done: int) -> None:
        if done == 6:
            raise Killed()

    HOOKS["die"] = die_in_second_batch
    try:
        with pytest.raises(Killed):
            await execute_job(alpha, str(job_id))
    finally:
        HOOKS.pop("die")
    job = (await gql(client, JOB, {"id": gid(job_id)}, token=as_alpha["member"])).data["job"]
    assert (job["status"], job["progressDone"]) == (
        "RUNNING",
        3,
    )  # the dead runner's second batch left nothing
    with pytest.raises(
        JobBusy
    ):  # its lease still holds: a second delivery waits (the queue retries it)
        await execute_job(alpha, str(job_id))
    await owner_db.execute(
        "UPDATE job SET lease_until = now() - interval '1 second' WHERE id = $1", job_id
    )
    assert await execute_job(alpha, str(job_id)) == "SUCCEEDED"
    job = (await gql(client, JOB, {"id": gid(job_id)}, token=as_alpha["member"])).data["job"]
    assert (job["status"], job["progressDone"], job["result"]) == ("SUCCEEDED", 9, {"counted": 9})
    assert [e["row"] for e in job["errors"]] == [3, 6, 9]


async def test_only_the_starter_or_an_admin_sees_or_cancels_a_job(
    client, tenants, as_alpha, as_beta
):
    job_id = await start_as(
        tenants["alpha"].id, "member@alpha.test", "tests.count", {"n": 1, "batch": 1}
    )
    other = await start_as(
        tenants["alpha"].id, "agent@alpha.test", "tests.count", {"n": 1, "batch": 1}
    )
    variables = {"id": gid(job_id)}
    assert (await gql(client, JOB, variables, token=as_alpha["admin"])).data["job"]["id"] == gid(
        job_id
    )
    assert (await gql(client, JOB, variables, token=as_alpha["agent"])).data["job"] is None
    assert (await gql(client, JOB, variables, token=as_beta["admin"])).data["job"] is None
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await gql(client, node, variables, token=as_beta["admin"])).data["node"] is None
    assert (await gql(client, node, variables, token=as_alpha["member"])).data["node"]["id"] == gid(
        job_id
    )

    mine = (
        await gql(client, JOBS, {"filter": {"status": {"eq": "QUEUED"}}}, token=as_alpha["member"])
    ).data["jobs"]
    ids = {e["node"]["id"] for e in mine["edges"]}
    assert gid(job_id) in ids and gid(other) not in ids
    everyone = {
        e["node"]["id"]
        for e in (await gql(client, JOBS, token=as_alpha["admin"])).data["jobs"]["edges"]
    }
    assert {gid(job_id), gid(other)} <= everyone
    assert (await gql(client, JOBS, token=as_beta["admin"])).data["jobs"]["totalCount"] == 0

    assert (await gql(client, CANCEL, variables, token=as_alpha["agent"])).codes == ["NOT_FOUND"]
    assert (await gql(client, CANCEL, variables, token=as_beta["admin"])).codes == ["NOT_FOUND"]
    assert (await gql(client, CANCEL, {"id": gid(other)}, token=as_alpha["admin"])).data[
        "cancelJob"
    ]["status"] == "CANCELLED"
    assert (await gql(client, CANCEL, variables, token=as_alpha["member"])).data["cancelJob"][
        "status"
    ] == "CANCELLED"
    ran = await run_queued_jobs()
    assert (ran[str(job_id)], ran[str(other)]) == (None, None)  # cancelled before they ran


async def test_jobs_are_isolated_by_row_level_security(app_db, tenants):
    alpha, beta = tenants["alpha"], tenants["beta"]
    job_id = await start_as(alpha.id, "admin@alpha.test", "tests.count", {"n": 3, "batch": 3})
    await run_queued_jobs()
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", beta.id)
        assert await app_db.fetchval("SELECT count(*) FROM job WHERE id = $1", job_id) == 0
        assert (
            await app_db.fetchval("SELECT count(*) FROM job_error WHERE job_id = $1", job_id) == 0
        )
        assert (
            await app_db.execute("UPDATE job SET status = 'FAILED' WHERE id = $1", job_id)
            == "UPDATE 0"
        )
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", alpha.id)
        assert (
            await app_db.fetchval("SELECT count(*) FROM job_error WHERE job_id = $1", job_id) == 1
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", beta.id)
            await app_db.execute(
                "INSERT INTO job (tenant_id, id, kind, created_by) VALUES ($1, $2, 'x', $2)",
                uuid.UUID(alpha.id),
                uuid.uuid4(),
            )
