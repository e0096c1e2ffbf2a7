"""Prometheus metrics of the API process, exposed at /metrics."""

from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

import structlog
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from tenants.database import pool_usage

REGISTRY = CollectorRegistry(auto_describe=True)
# The process (CPU, memory, open files) and Python (version, garbage collections) as well.
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)


class PoolCollector(Collector):
    """The process's PostgreSQL pool, read when scraped: connections in use and idle, and its size.
    In use that stays up while traffic is gone means connections are not coming back."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        connections = GaugeMetricFamily(
            "tessera_db_pool_connections", "Open pool connections, by state", labels=["state"]
        )
        maximum = GaugeMetricFamily(
            "tessera_db_pool_max_connections", "Most connections the pool opens"
        )
        usage = pool_usage()
        if usage is not None:
            size, idle, most = usage
            connections.add_metric(["in_use"], size - idle)
            connections.add_metric(["idle"], idle)
            maximum.add_metric([], most)
        yield connections
        yield maximum


REGISTRY.register(PoolCollector())

OPERATIONS = Counter(
    "tessera_graphql_operations_total",
    "GraphQL operations executed, by operation name and type",
    ["operation", "type"],
    registry=REGISTRY,
)
OPERATION_SECONDS = Histogram(
    "tessera_graphql_operation_duration_seconds",
    "Time to execute one GraphQL operation",
    ["operation", "type"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter(
    "tessera_graphql_errors_total",
    "GraphQL errors returned, by error code and operation name",
    ["code", "operation"],
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "tessera_http_requests_total",
    "HTTP requests, by route and status code",
    ["route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "tessera_http_request_duration_seconds",
    "Time to answer one HTTP request, by route (its path template) and method",
    ["route", "method"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LIVE_SUBSCRIPTIONS = Gauge(
    "tessera_live_subscriptions",
    "Subscriptions open in this API process (over WebSocket)",
    registry=REGISTRY,
)
LIVE_DROPPED = Counter(
    "tessera_live_subscribers_dropped_total",
    "WebSocket connections closed because a subscriber's queue was full (a slow consumer)",
    registry=REGISTRY,
)

_MAX_OPERATION_LABELS = 500
_seen_operations: set[str] = set()


def operation_label(name: str | None, root_fields: list[str] | None = None) -> str:
    """Operation names come from clients: keep the label set bounded and well-formed. An unnamed
    operation is labelled by its root fields ("me", "customers+me"); "anonymous" is what has neither."""
    if not name and root_fields:
        name = "+".join(sorted(set(root_fields)))
    if not name:
        return "anonymous"
    if name in _seen_operations:
        return name
    well_formed = name.replace("_", "a").replace("+", "a").isalnum()
    if len(name) > 64 or not well_formed or len(_seen_operations) >= _MAX_OPERATION_LABELS:
        return "other"
    _seen_operations.add(name)
    return name


def serve_metrics(address: tuple[str, int]) -> WSGIServer | None:
    """Serve this process's metrics on `address` (host, port), apart from the API, in a thread;
    None when the port is taken (e.g. by another uvicorn worker of the same API: it is logged)."""
    try:
        server, _thread = start_http_server(address[1], addr=address[0], registry=REGISTRY)
    except OSError as exc:
        structlog.get_logger("tessera.metrics").warning(
            "metrics not served", address=address, error=str(exc)
        )
        return None
    return server
