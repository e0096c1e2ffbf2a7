"""Helpers for report tests: the aggregate query, and reference computations in plain Python
(the numbers a report must give, computed without SQL)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from tests.support.graphql import GraphQLResponse, gql

AGGREGATE = """
query($object: String!, $filter: RecordFilter, $periods: [DatePeriod!], $groupBy: [AggregateGroupBy!],
      $measures: [AggregateMeasure!], $orderBy: [AggregateOrder!], $first: Int! = 100, $asOf: DateTime) {
  aggregate(object: $object, filter: $filter, periods: $periods, groupBy: $groupBy, measures: $measures,
            orderBy: $orderBy, first: $first, asOf: $asOf) {
    truncated
    rows { keys { field bucket type id text number boolean date label } values { name number date dateTime } }
    totals { keys { field } values { name number date dateTime } }
  }
}
"""


async def aggregate(client, token: str, object_name: str, **variables: Any) -> GraphQLResponse:
    return await gql(client, AGGREGATE, {"object": object_name, **variables}, token=token)


def key_of(key: dict[str, Any]) -> Any:
    """A group key's value, whatever its type."""
    for name in ("id", "text", "number", "boolean", "date"):
        if key[name] is not None:
            return Decimal(key[name]) if name == "number" else key[name]
    return None


def by_keys(result: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """{(key values...): {measure name: value}} of an aggregate's rows."""
    return {
        tuple(key_of(k) for k in row["keys"]): {v["name"]: _value(v) for v in row["values"]}
        for row in result["rows"]
    }


def totals(result: dict[str, Any]) -> dict[str, Any]:
    return {v["name"]: _value(v) for v in result["totals"]["values"]}


def _value(value: dict[str, Any]) -> Any:
    if value["number"] is not None:
        return Decimal(value["number"])
    return value["date"] or value["dateTime"]


def percentile(values: list[Decimal], fraction: float) -> Decimal:
    """Linear interpolation between the closest ranks (PostgreSQL's percentile_cont)."""
    ordered = sorted(float(v) for v in values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return Decimal(str(ordered[low] + (ordered[high] - ordered[low]) * (position - low)))


def close(actual: Decimal, expected: Decimal) -> bool:
    return abs(actual - expected) <= Decimal("0.000001") * max(Decimal(1), abs(expected))


async def set_calendar(client, admin: str, zone: str, week_start: int = 0) -> None:
    """The tenant's time zone and first day of the week, as an admin sets them."""
    current = (
        await gql(client, "{ tenantSettings { version timeZone weekStart } }", token=admin)
    ).data["tenantSettings"]
    if (current["timeZone"], current["weekStart"]) == (zone, week_start):
        return
    changed = await gql(
        client,
        "mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { version } }",
        {"i": {"version": current["version"], "timeZone": zone, "weekStart": week_start}},
        token=admin,
    )
    assert changed.data, changed.body


async def default_won_stage(client, token: str) -> str:
    """The global id of the default pipeline's won stage."""
    listing = (
        await gql(
            client,
            "{ pipelines(first: 100) { edges { node { isDefault stages { id kind } } } } }",
            token=token,
        )
    ).data
    default = next(
        edge["node"] for edge in listing["pipelines"]["edges"] if edge["node"]["isDefault"]
    )
    return next(stage["id"] for stage in default["stages"] if stage["kind"] == "WON")
