"""The floor under a strawberry endpoint for the sales-list selection: executing the query
against 50 plain in-memory objects (no database, no HTTP, parse and validation cached), with
graphql-core's executor and with ours (api/execution), next to serialising the same data with
json.dumps. The related names come through resolvers, as in the API.

    .venv/bin/python bench/graphql_floor.py

What is left of a request once SQL and HTTP are as cheap as they get.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import strawberry
from strawberry import relay
from strawberry.extensions import ParserCache, ValidationCache

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.execution import FastExecutor

ROWS = 50
ROUNDS = 300


@strawberry.type
class Named:
    name: str


@strawberry.type
class Deal(relay.Node):
    node_id: relay.NodeID[str]
    name: str
    amount: Decimal
    expected_close_date: date
    related: strawberry.Private[Named]

    @strawberry.field
    def customer(self, info: strawberry.Info) -> Named | None:
        return self.related

    @strawberry.field
    def owner(self, info: strawberry.Info) -> Named | None:
        return self.related

    @strawberry.field
    def stage(self, info: strawberry.Info) -> Named | None:
        return self.related


@strawberry.type
class Edge:
    node: Deal


@strawberry.type
class Deals:
    edges: list[Edge]


DATA = [
    Deal(
        node_id=str(i),
        name=f"Deal {i}",
        amount=Decimal("1000.00"),
        expected_close_date=date(2027, 1, 1),
        related=Named(name=f"Customer {i}"),
    )
    for i in range(ROWS)
]


@strawberry.type
class Query:
    @strawberry.field
    async def opportunities(self) -> Deals:
        return Deals(edges=[Edge(node=deal) for deal in DATA])


QUERY = "{ opportunities { edges { node { id name amount expectedCloseDate customer { name } owner { name } stage { name } } } } }"


async def _per_response(executor: type | None) -> tuple[float, dict]:
    schema = strawberry.Schema(
        query=Query,
        execution_context_class=executor,
        extensions=[lambda: ParserCache(maxsize=8), lambda: ValidationCache(maxsize=8)],
    )
    for _ in range(50):
        await schema.execute(QUERY)
    started = time.perf_counter()
    for _ in range(ROUNDS):
        result = await schema.execute(QUERY)
    return (time.perf_counter() - started) / ROUNDS * 1000, result.data


async def main() -> None:
    standard_ms, standard = await _per_response(None)
    fast_ms, fast = await _per_response(FastExecutor)
    assert fast == standard
    started = time.perf_counter()
    for _ in range(ROUNDS):
        json.dumps(fast)
    json_ms = (time.perf_counter() - started) / ROUNDS * 1000
    print(f"graphql-core's executor, {ROWS} plain objects: {standard_ms:.2f} ms per response")
    print(
        f"FastExecutor, the same:                {fast_ms:.2f} ms per response ({standard_ms / fast_ms:.1f}x faster)"
    )
    print(f"json.dumps of the same result:         {json_ms:.2f} ms per response")


if __name__ == "__main__":
    asyncio.run(main())
