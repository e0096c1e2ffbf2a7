"""Taking over the messages of a worker that died (killed, out of memory, its machine gone).

A worker fetches messages into a per-worker "unacknowledged" set in redis and refreshes a
heartbeat with every queue command. dramatiq's redis broker gives a dead worker's messages back
to their queue only during "maintenance", which it runs on a random fraction of queue commands
(`maintenance_chance` per million, per queue): rare when the queue is quiet, so a killed worker's
messages could wait many minutes. Here every worker process runs that maintenance on every queue
on a schedule, so a dead worker's messages are back within the heartbeat timeout plus one period.
Taking over a message that in fact still runs would run it twice; the heartbeat timeout is what
guards against that, and effects are exactly-once anyway (domain/automation)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import dramatiq
import redis
import structlog
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis
from dramatiq.middleware import Middleware

# The dispatch script unpacks lists in chunks of this size (dramatiq discovers Lua's stack limit,
# about 8000, and uses half); only the expiry of dead-lettered messages needs it here.
UNPACK_CHUNK = 1000
LONGEST_PERIOD_MS = 30_000

log = structlog.get_logger("tessera.worker")


class RecoveringRedisBroker(RedisBroker):
    """dramatiq's redis broker, plus maintenance on demand."""

    def take_over_dead_workers(self) -> None:
        """Put the unacknowledged messages of workers whose heartbeat is older than the timeout
        back on their queues (delay queues included), and drop expired dead letters."""
        dispatch = self.scripts["dispatch"]
        queues = self.get_declared_queues() | self.get_declared_delay_queues()
        for queue in sorted(queues):
            # dispatch.lua's arguments; "maintenance" matches no command, so the script does only
            # the maintenance its do_maintenance flag ("1") asks for.
            dispatch(
                keys=[self.namespace],
                args=[
                    "maintenance",
                    current_millis(),
                    queue,
                    self.broker_id,
                    self.heartbeat_timeout,
                    self.dead_message_ttl,
                    1,
                    UNPACK_CHUNK,
                ],
            )


def takeover_period_seconds(heartbeat_timeout_ms: int) -> float:
    """Often enough that recovery takes at most the heartbeat timeout plus 30 seconds."""
    return min(heartbeat_timeout_ms / 2, LONGEST_PERIOD_MS) / 1000


class TakeOverDeadWorkers(Middleware):
    """Runs the takeover in each worker process, from boot to shutdown; `on_pass` is called after
    each pass that reached redis (the worker's liveness)."""

    def __init__(self, on_pass: Callable[[], None] = lambda: None) -> None:
        self.on_pass = on_pass
        self._stop = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if isinstance(broker, RecoveringRedisBroker):
            threading.Thread(
                target=self._run, args=(broker,), name="take-over-dead-workers", daemon=True
            ).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()

    def _run(self, broker: RecoveringRedisBroker) -> None:
        period = takeover_period_seconds(broker.heartbeat_timeout)
        while True:
            try:
                broker.take_over_dead_workers()
                self.on_pass()
            except (
                redis.RedisError
            ) as exc:  # redis is away: the consumers report it; try next period
                log.warning("taking over dead workers' messages failed", error=str(exc))
            if self._stop.wait(period):
                return
