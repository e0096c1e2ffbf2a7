"""The redis broker, with asyncio actors, a database pool opened once per worker process, and the
takeover of dead workers' messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import dramatiq
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread
from dramatiq.middleware import Middleware

from tenants.database import connect, disconnect
from workers.shutdown import DaemonAsyncIO
from workers.takeover import RecoveringRedisBroker, TakeOverDeadWorkers


def _loop_thread() -> EventLoopThread:
    thread = get_event_loop_thread()
    if thread is None:
        raise RuntimeError(
            "the event loop thread is not running: add DaemonAsyncIO before DatabasePool"
        )
    return thread


class DatabasePool(Middleware):
    """Opens tortoise's pool on the worker's event loop thread, where async actors run."""

    def __init__(self, database_url: str, model_modules: Sequence[str]) -> None:
        self.database_url = database_url
        self.model_modules = model_modules

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # Before the worker threads start taking messages (they start before "after_worker_boot"),
        # and after DaemonAsyncIO's before_worker_boot (middleware added later runs later) started the loop.
        _loop_thread().run_coroutine(connect(self.database_url, self.model_modules, pool_size=4))

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # After running jobs finished. dramatiq sends "after" signals in reverse order, so this
        # middleware, added after DaemonAsyncIO, closes the pool before it stops the loop.
        _loop_thread().run_coroutine(disconnect())


def configure_broker(
    *,
    redis_url: str,
    database_url: str,
    model_modules: Sequence[str],
    heartbeat_timeout_ms: int = 60_000,
    maintenance_chance: int = 1000,
    on_takeover_pass: Callable[[], None] = lambda: None,
    metrics: bool = False,
) -> RecoveringRedisBroker:
    """Create the broker and make it dramatiq's global one; call before importing actor modules.
    A worker silent for `heartbeat_timeout_ms` is presumed dead: the messages it had taken go back
    to the queue (at-least-once delivery; effects stay exactly-once, see domain/automation), at
    the latest one takeover period later (see workers.takeover). With `metrics`, dramatiq's
    Prometheus middleware serves the worker processes' metrics (its address and directory come
    from the environment `tessera worker` sets up)."""
    broker = RecoveringRedisBroker(  # type: ignore[no-untyped-call]  # dramatiq's RedisBroker() is not annotated
        url=redis_url, heartbeat_timeout=heartbeat_timeout_ms, maintenance_chance=maintenance_chance
    )
    if metrics:
        # Imported only here: the module reads its address and directory from the environment,
        # and creates that directory, when it is imported.
        from dramatiq.middleware.prometheus import Prometheus

        broker.add_middleware(Prometheus())
    broker.add_middleware(DaemonAsyncIO())
    broker.add_middleware(DatabasePool(database_url, model_modules))
    broker.add_middleware(TakeOverDeadWorkers(on_pass=on_takeover_pass))
    dramatiq.set_broker(broker)
    return broker
