"""Prometheus metrics of the API process, exposed at /metrics."""

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from tenants.database import pool_usage

REGISTRY = CollectorRegistry(auto_describe=True)


class PoolCollector(Collector):
    """The process's PostgreSQL pool, read when scraped: connections in use and idle, and its size.
    In use that stays up while traffic is gone means connections are not coming back."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        connections = GaugeMetricFamily("tessera_db_pool_connections", "Open pool connections, by state", labels=["state"])
        maximum = GaugeMetricFamily("tessera_db_pool_max_connections", "Most connections the pool opens")
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

_MAX_OPERATION_LABELS = 500
_seen_operations: set[str] = set()


def operation_label(name: str | None) -> str:
    """Operation names come from clients: keep the label set bounded and well-formed."""
    if not name:
        return "anonymous"
    if name in _seen_operations:
        return name
    if len(name) > 64 or not name.replace("_", "a").isalnum() or len(_seen_operations) >= _MAX_OPERATION_LABELS:
        return "other"
    _seen_operations.add(name)
    return name
