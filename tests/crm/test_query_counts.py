"""Lists cost a fixed number of SQL statements, whatever their length (no N+1)."""

from __future__ import annotations

import contextlib

import asyncpg
import pytest

from tests.support.graphql import gql
from tests.support.records import make_contact, make_customer, unique

QUERY = """
query($p: String!, $first: Int!) {
  customers(filter: {name: {like: $p}}, first: $first) {
    edges { node {
      name owner { name } team { name } tags
      contacts(first: 3) { totalCount edges { node { name owner { email } customer { name } tags } } }
      history(first: 2) { edges { node { action actor { email } } } }
    } }
  }
}
"""


@contextlib.contextmanager
def counting_statements(monkeypatch):
    """Every statement sent to PostgreSQL while the block runs, whichever layer sent it."""
    counted = []
    for method in ("execute", "executemany", "fetch", "fetchrow", "fetchval"):
        original = getattr(asyncpg.Connection, method)

        async def wrapper(self, *args, _original=original, **kwargs):
            counted.append(args[0] if args else "")
            return await _original(self, *args, **kwargs)

        monkeypatch.setattr(asyncpg.Connection, method, wrapper)
    yield counted


async def statements_per_request(client, token, query, variables, monkeypatch, list_field, firsts):
    """SQL statements one request costs for each page size in `firsts` (and the rows it returned)."""
    counts = {}
    for first in firsts:
        with counting_statements(monkeypatch) as statements:
            response = await gql(client, query, {**variables, "first": first}, token=token)
        assert len(response.data[list_field]["edges"]) == first
        counts[first] = len(statements)
        monkeypatch.undo()
    return counts


@pytest.fixture(scope="module")
async def many(client, as_alpha):
    marker = unique("count")
    for index in range(12):
        customer = await make_customer(client, as_alpha["admin"], name=f"{marker}-{index:02d}")
        for _ in range(2):
            await make_contact(client, as_alpha["admin"], customerId=customer["id"])
        await gql(
            client,
            'mutation($id: ID!) { addTags(input: {recordId: $id, names: ["counted"]}) }',
            {"id": customer["id"]},
            token=as_alpha["admin"],
        )
    return marker


async def test_one_and_many_rows_cost_the_same_statements(client, as_alpha, many, monkeypatch):
    counts = await statements_per_request(
        client, as_alpha["admin"], QUERY, {"p": f"{many}-%"}, monkeypatch, "customers", (1, 12)
    )
    assert counts[1] == counts[12], counts
    assert counts[12] <= 12, counts


OPPORTUNITIES = """
query($p: String!, $first: Int!) {
  opportunities(filter: {name: {like: $p}}, orderBy: [{expectedCloseDate: ASC}], first: $first) {
    edges { node { name amount probability customer { name } owner { name } stage { name kind } pipeline { name }
                   stageHistory { stage { name } enteredAt } tags } }
  }
}
"""


async def test_fifty_opportunities_cost_what_one_costs(client, as_alpha, monkeypatch):
    marker = unique("opp-count")
    customer = await make_customer(client, as_alpha["admin"])
    items = [
        {
            "name": f"{marker}-{i:02d}",
            "customerId": customer["id"],
            "amount": str(1000 + i),
            "expectedCloseDate": f"2027-01-{1 + i % 28:02d}",
        }
        for i in range(50)
    ]
    created = await gql(
        client,
        "mutation($input: BulkCreateOpportunitiesInput!) { bulkCreateOpportunities(input: $input) { id } }",
        {"input": {"items": items}},
        token=as_alpha["admin"],
    )
    assert len(created.data["bulkCreateOpportunities"]) == 50
    counts = await statements_per_request(
        client,
        as_alpha["admin"],
        OPPORTUNITIES,
        {"p": f"{marker}-%"},
        monkeypatch,
        "opportunities",
        (1, 50),
    )
    assert counts[1] == counts[50], counts
