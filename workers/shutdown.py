"""A worker process that is told to stop is gone within the shutdown timeout, however it is told.

dramatiq's CLI takes a second SIGTERM in a worker process as "exit now" and raises SystemExit
wherever the main thread happens to be. SIGTERM to the whole process group (systemd's default,
a terminal, `kill -TERM -PGID`) always delivers two: one from the group and one forwarded by
dramatiq's main process, which holds signals back until its workers have booted, so the second
can come seconds after the first, in the middle of the shutdown the first one started. The
SystemExit then skipped that shutdown and the process waited forever for the event loop thread
that nobody stopped. Here a repeated signal changes nothing, the event loop thread cannot keep a
finished process alive, and a deadline ends the process when a job outlasts the timeout: a job
cut short leaves its message unacknowledged, and another worker takes it over (see
`workers.takeover`); its effects are exactly-once (domain/automation)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

import dramatiq
import structlog
from dramatiq.asyncio import EventLoopThread, set_event_loop_thread
from dramatiq.middleware import AsyncIO, Middleware

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
# What `worker.stop()` needs after the jobs' budget: stopping consumers, putting prefetched
# messages back, closing the database pool.
CLOSING_SECONDS = 2.0
EXIT_CUT_SHORT = 1  # dramatiq's own code for a killed worker process

log = structlog.get_logger("tessera.worker")


def jobs_budget_ms(timeout_seconds: float) -> int:
    """How long running jobs may take to finish (dramatiq's --worker-shutdown-timeout), leaving
    the rest of the timeout to close down in order."""
    return int(max(timeout_seconds / 2, timeout_seconds - CLOSING_SECONDS) * 1000)


class BoundedShutdown(Middleware):
    """The deadline of a worker process's shutdown, and its stop signals handled once."""

    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._deadline: threading.Timer | None = None
        self._lock = threading.Lock()
        self._stopping = False
        self._dramatiq_handlers: dict[int, Any] = {}

    def take_stop_signals(self) -> BoundedShutdown:
        """Call in the worker process's main thread as early as possible (first thing in the broker
        module): until then, stop signals reach only dramatiq's own handler."""
        for sig in STOP_SIGNALS:
            self._dramatiq_handlers[sig] = signal.getsignal(sig)
            signal.signal(sig, self._on_stop_signal)
        return self

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # Also when the stop did not come through our handler (a signal before it was installed).
        self._arm_deadline()

    def _on_stop_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._stopping:
            log.info(
                "already stopping",
                signal=signal.Signals(signum).name,
                timeout_seconds=self.timeout_seconds,
            )
            return
        self._stopping = True
        self._arm_deadline()
        handler = self._dramatiq_handlers.get(signum)
        if callable(handler):
            handler(signum, frame)  # dramatiq's: the worker's main loop ends and stops the worker

    def _arm_deadline(self) -> None:
        with self._lock:
            if self._deadline is None:
                self._deadline = threading.Timer(self.timeout_seconds, self._cut_short)
                self._deadline.daemon = True
                self._deadline.start()

    def _cut_short(self) -> None:
        try:
            log.warning(
                "shutdown timeout reached: exiting with jobs unfinished (another worker takes them over)",
                timeout_seconds=self.timeout_seconds,
            )
            sys.stdout.flush()
        finally:
            os._exit(EXIT_CUT_SHORT)


class DaemonAsyncIO(AsyncIO):
    """dramatiq's AsyncIO middleware with a daemon event loop thread: if the worker's main thread
    ends without stopping the loop, the process still ends."""

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        thread = EventLoopThread(self.logger)
        thread.daemon = True
        thread.start(timeout=1.0)
        set_event_loop_thread(thread)
