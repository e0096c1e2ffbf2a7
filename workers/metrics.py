"""Prometheus metrics of the worker, relay and scheduler processes.

Each process serves its own on METRICS_PORT when that is set (docs/operations.md): the relay and
the scheduler with prometheus_client's HTTP server, together with the process and Python
collectors; the worker, whose messages run in several processes, through dramatiq's Prometheus
middleware, which gathers what every worker process wrote to a shared directory (prometheus_client's
multiprocess mode) and serves it on one port, with dramatiq's own message metrics."""

from __future__ import annotations

import time

from dramatiq.brokers.redis import RedisBroker
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from domain.events import outbox_backlog

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

AUTOMATION_RUNS = Counter(
    "tessera_automation_runs_total",
    "Automation rule runs, by outcome (succeeded, failed, skipped, waiting, retrying)",
    ["outcome"],
)
AUTOMATION_RUN_SECONDS = Histogram(
    "tessera_automation_run_duration_seconds",
    "Time of one automation rule run, by outcome",
    ["outcome"],
    buckets=_SECONDS,
)
WEBHOOK_DELIVERIES = Counter(
    "tessera_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome (delivered, "
    "refused: answered other than 2xx, unreachable: no answer)",
    ["outcome"],
)
WEBHOOK_DELIVERY_SECONDS = Histogram(
    "tessera_webhook_delivery_duration_seconds",
    "Time of one webhook delivery attempt, by outcome",
    ["outcome"],
    buckets=_SECONDS,
)
_BY_WHAT = {
    "automation_run": (AUTOMATION_RUNS, AUTOMATION_RUN_SECONDS),
    "webhook_delivery": (WEBHOOK_DELIVERIES, WEBHOOK_DELIVERY_SECONDS),
}

OUTBOX_BACKLOG = Gauge(
    "tessera_outbox_backlog_events", "Events written and not yet published to the queue"
)
OUTBOX_LAG = Gauge("tessera_outbox_lag_seconds", "How long the oldest unpublished event has waited")
EVENTS_PUBLISHED = Counter(
    "tessera_outbox_events_published_total", "Events the relay published to the queue"
)
QUEUE_MESSAGES = Gauge(
    "tessera_queue_messages",
    "Messages in a queue, by state (waiting to be taken, delayed for a retry or a later time)",
    ["queue", "state"],
)
SCHEDULER_PASS_SECONDS = Histogram(
    "tessera_scheduler_pass_duration_seconds",
    "Time of one scheduler pass over every tenant",
    buckets=_SECONDS,
)
SCHEDULER_RUNS = Counter(
    "tessera_scheduler_runs_total", "Runs scheduler passes made (rules, deliveries, syncs)"
)


def record_outcome(what: str, outcome: str, seconds: float) -> None:
    """domain.telemetry's listener: one automation run or webhook delivery attempt."""
    if what in _BY_WHAT:
        count, duration = _BY_WHAT[what]
        count.labels(outcome=outcome).inc()
        duration.labels(outcome=outcome).observe(seconds)


def serve(host: str, port: int) -> None:
    """Serve this process's metrics (default registry) on host:port, in a thread."""
    start_http_server(port, addr=host)


class RelayGauges:
    """The relay's view of what waits: the outbox backlog and the queues' depths, measured at most
    once per `every_seconds` (the relay loops quickly while it is busy)."""

    def __init__(self, broker: RedisBroker, every_seconds: float = 1.0) -> None:
        self.broker = broker
        self.every_seconds = every_seconds
        self.next_at = 0.0

    async def measure(self) -> None:
        if time.monotonic() < self.next_at:
            return
        self.next_at = time.monotonic() + self.every_seconds
        backlog = await outbox_backlog()
        OUTBOX_BACKLOG.set(backlog.events)
        OUTBOX_LAG.set(backlog.oldest_age_seconds)
        client, namespace = self.broker.client, self.broker.namespace
        for queue in self.broker.get_declared_queues():
            if queue.endswith((".DQ", ".XQ")):  # delay and dead-letter queues of `queue`
                continue
            # dramatiq's redis layout: a list of waiting message ids, a hash of delayed messages.
            QUEUE_MESSAGES.labels(queue=queue, state="waiting").set(
                client.llen(f"{namespace}:{queue}")
            )
            QUEUE_MESSAGES.labels(queue=queue, state="delayed").set(
                client.hlen(f"{namespace}:{queue}.DQ.msgs")
            )
