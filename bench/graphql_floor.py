"""The floor under any strawberry endpoint for the sales-list selection: executing the query
against 50 plain in-memory objects (no database, no HTTP, no resolvers, parse and validation
cached), next to serialising the same data with json.dumps.

    .venv/bin/python bench/graphql_floor.py

If this floor is close to what the raw endpoint spends on a whole request, no amount of
resolver or SQL work brings GraphQL to half the raw throughput for that selection.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from decimal import Decimal

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

ROWS = 50
ROUNDS = 300


@strawberry.type
class Named:
    name: str


@strawberry.type
class Deal:
    id: strawberry.ID
    name: str
    amount: Decimal
    expected_close_date: date
    customer: Named
    owner: Named
    stage: Named


@strawberry.type
class Edge:
    node: Deal


@strawberry.type
class Deals:
    edges: list[Edge]


DATA = [
    Deal(id=strawberry.ID(f"T3Bwb3J0dW5pdHk6{i}"), name=f"Deal {i}", amount=Decimal("1000.00"),
         expected_close_date=date(2027, 1, 1), customer=Named(name=f"Customer {i}"), owner=Named(name="Owner"),
         stage=Named(name="Proposal"))
    for i in range(ROWS)
]


@strawberry.type
class Query:
    @strawberry.field
    async def opportunities(self) -> Deals:
        return Deals(edges=[Edge(node=deal) for deal in DATA])


QUERY = "{ opportunities { edges { node { id name amount expectedCloseDate customer { name } owner { name } stage { name } } } } }"


async def main() -> None:
    schema = strawberry.Schema(query=Query, extensions=[lambda: ParserCache(maxsize=8), lambda: ValidationCache(maxsize=8)])
    for _ in range(50):
        await schema.execute(QUERY)
    started = time.perf_counter()
    for _ in range(ROUNDS):
        result = await schema.execute(QUERY)
    execute_ms = (time.perf_counter() - started) / ROUNDS * 1000
    started = time.perf_counter()
    for _ in range(ROUNDS):
        json.dumps(result.data)
    json_ms = (time.perf_counter() - started) / ROUNDS * 1000
    print(f"strawberry execute, {ROWS} plain objects: {execute_ms:.2f} ms per response")
    print(f"json.dumps of the same result:         {json_ms:.2f} ms per response")
    print(f"ratio: {execute_ms / json_ms:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
