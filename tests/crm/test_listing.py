"""Lists: filters with and/or/not, ordering with nulls, keyset pages, and their limits."""

from __future__ import annotations

import pytest

from tests.support.graphql import gql
from tests.support.records import make_customer, unique

LIST = """
query($filter: CustomerFilter, $orderBy: [CustomerOrder!], $first: Int, $after: String) {
  customers(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { name tier region } }
  }
}
"""


@pytest.fixture(scope="module")
async def batch(client, as_alpha):
    """Six customers sharing a marker name prefix, some without tier or region."""
    marker = unique("list")
    rows = [
        ("a", "gold", "East"),
        ("b", "silver", "West"),
        ("c", None, "East"),
        ("d", "gold", None),
        ("e", "bronze", "North"),
        ("f", None, None),
    ]
    for suffix, tier, region in rows:
        await make_customer(
            client, as_alpha["admin"], name=f"{marker}-{suffix}", tier=tier, region=region
        )
    return marker


async def _names(client, token, marker, **variables):
    base = {"name": {"like": f"{marker}-%"}}
    extra = variables.pop("filter", None)
    variables["filter"] = {"and": [base, extra]} if extra else base
    response = await gql(client, LIST, variables, token=token)
    return [
        edge["node"]["name"].rsplit("-", 1)[1] for edge in response.data["customers"]["edges"]
    ], response


async def test_operators(client, as_alpha, batch):
    token = as_alpha["admin"]
    cases = [
        ({"tier": {"eq": "gold"}}, "ad"),
        ({"tier": {"neq": "gold"}}, "bcef"),  # rows without a tier count as different
        ({"tier": {"in": ["silver", "bronze"]}}, "be"),
        ({"tier": {"notIn": ["gold"]}}, "bcef"),
        ({"tier": {"isNull": True}}, "cf"),
        ({"region": {"isNull": False}, "tier": {"isNull": False}}, "abe"),
        ({"name": {"ilike": f"%{batch.upper()}-A"}}, "a"),
        ({"name": {"gt": f"{batch}-d"}}, "ef"),
        ({"or": [{"tier": {"eq": "silver"}}, {"region": {"eq": "North"}}]}, "be"),
        (
            {"not": {"region": {"eq": "East"}}},
            "bdef",
        ),  # the complement, rows without a region included
    ]
    for condition, expected in cases:
        names, _ = await _names(client, token, batch, filter=condition)
        assert "".join(sorted(names)) == expected, condition


async def test_ordering_with_nulls_first_or_last(client, as_alpha, batch):
    token = as_alpha["admin"]
    names, _ = await _names(
        client, token, batch, orderBy=[{"tier": "ASC", "nulls": "FIRST"}, {"name": "ASC"}]
    )
    assert names == ["c", "f", "e", "a", "d", "b"]
    names, _ = await _names(
        client, token, batch, orderBy=[{"region": "DESC", "nulls": "LAST"}, {"name": "DESC"}]
    )
    assert names == ["b", "e", "c", "a", "f", "d"]


@pytest.mark.parametrize(
    "order",
    [
        [{"tier": "ASC", "nulls": "FIRST"}],
        [{"tier": "DESC"}],
        [{"region": "ASC", "nulls": "LAST"}, {"tier": "DESC", "nulls": "FIRST"}],
        [{"name": "DESC"}],
        None,
    ],
)
async def test_keyset_pages_visit_every_row_once_in_order(client, as_alpha, batch, order):
    token = as_alpha["admin"]
    everything, _ = await _names(client, token, batch, orderBy=order, first=100)
    seen, after = [], None
    for _ in range(10):
        names, response = await _names(client, token, batch, orderBy=order, first=2, after=after)
        seen += names
        info = response.data["customers"]["pageInfo"]
        assert response.data["customers"]["totalCount"] == 6
        if not info["hasNextPage"]:
            break
        assert info["hasPreviousPage"] is (after is not None) or after is None
        after = info["endCursor"]
    assert seen == everything and len(seen) == 6


async def test_bad_listing_arguments(client, as_alpha, batch):
    token = as_alpha["admin"]
    _, page = await _names(client, token, batch, orderBy=[{"name": "ASC"}], first=2)
    cursor = page.data["customers"]["pageInfo"]["endCursor"]
    cases = [
        {"first": 0},
        {"first": 101},
        {"after": "garbage"},
        {"orderBy": [{"name": "ASC", "tier": "ASC"}]},  # one field per entry
        {"orderBy": [{"tier": "ASC"}], "after": cursor},  # a cursor of another ordering
        {"orderBy": [{"name": "ASC"}, {"tier": "ASC"}, {"region": "ASC"}, {"createdAt": "ASC"}]},
        {"filter": {"ownerId": {"eq": "bm90LWFuLWlk"}}},
    ]
    for variables in cases:
        response = await gql(client, LIST, variables, token=token)
        assert response.codes == ["BAD_USER_INPUT"], variables


async def test_filters_cannot_grow_without_bound(client, as_alpha):
    deep = {"name": {"eq": "x"}}
    for _ in range(6):
        deep = {"not": deep}
    assert (await gql(client, LIST, {"filter": deep}, token=as_alpha["admin"])).codes == [
        "BAD_USER_INPUT"
    ]
    wide = {"or": [{"name": {"eq": str(i)}} for i in range(51)]}
    assert (await gql(client, LIST, {"filter": wide}, token=as_alpha["admin"])).codes == [
        "BAD_USER_INPUT"
    ]
    many = {"name": {"in": [str(i) for i in range(101)]}}
    assert (await gql(client, LIST, {"filter": many}, token=as_alpha["admin"])).codes == [
        "BAD_USER_INPUT"
    ]


async def test_a_like_pattern_ending_in_a_lone_backslash_is_a_field_error(client, as_alpha, batch):
    token = as_alpha["admin"]
    backslashed = await make_customer(client, token, name=unique("back\\slash"))
    for pattern in ("\\", f"{batch}%\\", "\\\\\\"):
        for operator in ("like", "ilike"):
            response = await gql(
                client, LIST, {"filter": {"name": {operator: pattern}}}, token=token
            )
            assert response.codes == ["BAD_USER_INPUT"], (pattern, response.body)
            assert response.errors[0]["extensions"]["fieldErrors"][0]["code"] == "INVALID_PATTERN"
    escaped = await gql(
        client,
        LIST,
        {"filter": {"name": {"like": backslashed["name"].replace("\\", "\\\\")}}},
        token=token,
    )
    assert [e["node"]["name"] for e in escaped.data["customers"]["edges"]] == [backslashed["name"]]


async def test_numbers_a_column_cannot_hold_are_field_errors_in_filters(client, as_alpha, batch):
    token = as_alpha["admin"]
    for bad in ("1e999999", "-1e999999", "1e-999999", "0E-1000000", "NaN", "Infinity", "1e16"):
        for condition in ({"gt": bad}, {"eq": bad}, {"in": ["1", bad]}):
            response = await gql(
                client, LIST, {"filter": {"lifetimeValue": condition}}, token=token
            )
            assert response.codes == ["BAD_USER_INPUT"], (condition, response.body)
            assert response.errors[0]["extensions"]["fieldErrors"] == [
                {
                    "field": "filter.lifetimeValue",
                    "code": "OUT_OF_RANGE",
                    "message": "lifetimeValue compares with a finite number below 10^16 with at most 16 decimal places",
                }
            ]
    fine = await gql(
        client,
        LIST,
        {"filter": {"name": {"like": f"{batch}%"}, "lifetimeValue": {"lt": "9999999999999999.99"}}},
        token=token,
    )
    assert fine.data["customers"]["totalCount"] == 6
