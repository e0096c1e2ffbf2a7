"""`tessera worker` stopped the way process managers stop it (SIGTERM to its whole process group,
so each worker process gets the signal twice: from the group and from dramatiq's main process),
during start-up and in the middle of a job that outlasts the shutdown timeout: every time, the
whole group is gone within the timeout."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import pytest

from tests.support.automation import disable, make_rule
from tests.support.graphql import gql
from tests.support.processes import redis_server, start, stop, until
from tests.support.receiver import Receiver
from tests.support.server import free_port

SHUTDOWN_TIMEOUT = 3
# A liveness bound, not a performance threshold: before the fix some tries never ended at all.
EXIT_BOUND_SECONDS = SHUTDOWN_TIMEOUT + 10
START_UP_DELAYS = (
    0.2,
    0.6,
    1.0,
    1.6,
    2.4,
    3.5,
)  # seconds after launch: importing, connecting, booting
BUSY_TRIES = 4


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _stop_group_and_measure(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=EXIT_BOUND_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        pytest.fail(
            f"the worker was still running {EXIT_BOUND_SECONDS}s after SIGTERM to its group"
        )
    deadline = (
        time.monotonic() + 5
    )  # the leader waits for its worker processes, so they are gone too
    while not _group_gone(worker.pid):
        assert time.monotonic() < deadline, "a worker process outlived the main process"
        time.sleep(0.1)


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return start(
        "worker",
        "--processes",
        "1",
        "--threads",
        "1",
        "--shutdown-timeout",
        str(SHUTDOWN_TIMEOUT),
        env=env,
    )


async def test_sigterm_to_the_group_ends_the_worker_within_its_shutdown_timeout(client, as_alpha):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:8]
    erp = Receiver(delay_seconds=120)  # every call hangs far longer than the shutdown timeout
    rule = await make_rule(
        client,
        admin,
        name="Busy at shutdown",
        object="Lead",
        trigger={"on": "created"},
        conditions={"field": "region", "op": "eq", "value": marker},
        actions=[{"type": "call_http", "url": erp.url}],
    )
    redis_port = free_port()
    redis = redis_server(redis_port)
    own = {
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "OUTBOUND_TIMEOUT_SECONDS": "60",
        "QUEUE_HEARTBEAT_TIMEOUT_MS": "2000",
    }
    relay = start("relay", "--poll-seconds", "0.5", env=own)
    try:
        # Given a worker still starting (importing, opening its database pool, booting its threads)
        for delay in START_UP_DELAYS:
            worker = _worker(own)
            time.sleep(delay)
            # When its process group gets SIGTERM, then it is gone within the timeout
            _stop_group_and_measure(worker)

        # Given a worker in the middle of a job that outlasts the shutdown timeout
        for attempt in range(BUSY_TRIES):
            worker = _worker(own)
            calls = len(erp.received)
            await gql(
                client,
                "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
                {"i": {"personName": f"Busy {attempt}", "region": marker}},
                token=admin,
            )

            async def busy(worker: subprocess.Popen = worker, calls: int = calls) -> bool:
                assert worker.poll() is None, "the worker died"
                return len(erp.received) > calls

            await until(busy, "the worker never started the job")
            # When its process group gets SIGTERM, then it is gone within the timeout
            _stop_group_and_measure(worker)
    finally:
        stop(relay)
        erp.close()
        await disable(client, admin, rule)
        redis.terminate()
        redis.wait(timeout=10)
