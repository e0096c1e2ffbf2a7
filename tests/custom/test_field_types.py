"""Every field type through createRecord: valid values are normalised, invalid ones each get their
field error (all at once, nothing written), and each can be filtered and sorted."""

from __future__ import annotations

import pytest

from tests.support.custom import CREATE_FIELD, create_record, field_codes, list_records, make_object
from tests.support.graphql import gql
from tests.support.records import make_customer

FIELDS = [
    dict(
        apiName="title",
        type="TEXT",
        validation={"minLength": 2, "pattern": "[A-Z].*", "message": "Start with a capital"},
    ),
    dict(apiName="notes", type="LONG_TEXT"),
    dict(apiName="body", type="RICH_TEXT"),
    dict(apiName="seats", type="INTEGER", validation={"min": 1, "max": 500}),
    dict(apiName="ratio", type="DECIMAL", config={"decimalPlaces": 3}),
    dict(apiName="price", type="CURRENCY", config={"currency": "USD"}),
    dict(apiName="discount", type="PERCENT", validation={"min": 0, "max": 100}),
    dict(apiName="active", type="BOOLEAN"),
    dict(apiName="signed_on", type="DATE"),
    dict(apiName="signed_at", type="DATETIME"),
    dict(apiName="email", type="EMAIL"),
    dict(apiName="phone", type="PHONE"),
    dict(apiName="site", type="URL"),
    dict(apiName="tier", type="SINGLE_SELECT", config={"options": ["GOLD", "SILVER"]}),
    dict(apiName="regions", type="MULTI_SELECT", config={"options": ["EAST", "WEST", "NORTH"]}),
    dict(apiName="stars", type="RATING", config={"max": 5}),
    dict(apiName="account", type="RELATION", config={"target": "Customer"}),
    dict(apiName="manager", type="USER"),
    dict(apiName="extra", type="JSON"),
    dict(apiName="address", type="ADDRESS"),
]

VALID = {
    "title": "  Alpha  ",
    "notes": "long " * 100,
    "body": '<p onclick="x()">Hi<script>alert(1)</script> <b>there</b></p>',
    "seats": 12,
    "ratio": "1.23456",
    "price": {"amount": 99.5},
    "discount": 12.5,
    "active": True,
    "signed_on": "2026-05-01",
    "signed_at": "2026-05-01T09:00:00+08:00",
    "email": "Someone@Example.COM",
    "phone": "+86 138 0013 8000",
    "site": "https://example.com/a",
    "tier": "GOLD",
    "regions": ["EAST", "WEST", "EAST"],
    "stars": 4,
    "extra": {"any": ["json", 1]},
    "address": {"city": "Shanghai", "region": "East China"},
}
INVALID = {
    "title": "lowercase",
    "seats": 0,
    "ratio": "abc",
    "price": {"amount": "1", "currency": "dollars"},
    "discount": 120,
    "active": "yes",
    "signed_on": "01/05/2026",
    "signed_at": "2026-05-01T09:00:00",
    "email": "not-an-email",
    "phone": "12345",
    "site": "ftp://x",
    "tier": "BRONZE",
    "regions": ["SOUTH"],
    "stars": 6,
    "extra": "text",
    "address": {"planet": "Mars"},
    "nope": 1,
}
INVALID_CODES = {
    "title": "INVALID_FORMAT",
    "seats": "TOO_SMALL",
    "ratio": "INVALID_NUMBER",
    "price": "INVALID_CURRENCY",
    "discount": "TOO_LARGE",
    "active": "INVALID_BOOLEAN",
    "signed_on": "INVALID_DATE",
    "signed_at": "INVALID_DATETIME",
    "email": "INVALID_EMAIL",
    "phone": "INVALID_PHONE",
    "site": "INVALID_URL",
    "tier": "INVALID_CHOICE",
    "regions": "INVALID_CHOICE",
    "stars": "OUT_OF_RANGE",
    "extra": "INVALID_JSON",
    "address": "INVALID_ADDRESS",
    "nope": "UNKNOWN_FIELD",
}


@pytest.fixture(scope="module")
async def every_type(client, as_alpha):
    return await make_object(client, as_alpha["admin"], FIELDS, stem="everything")


async def test_valid_values_are_normalised(client, as_alpha, user_ids, every_type):
    account = await make_customer(client, as_alpha["admin"], name="Typed Account")
    response = await create_record(
        client,
        as_alpha["admin"],
        every_type,
        {**VALID, "account": account["id"], "manager": user_ids["member"]},
    )
    values = response.data["createRecord"]["values"]
    assert values["title"] == "Alpha"
    assert values["body"] == "<p>Hi <b>there</b></p>"  # sanitised: no handlers, no scripts
    assert values["seats"] == 12 and values["ratio"] == "1.235" and values["discount"] == "12.50"
    assert values["price"] == {"amount": "99.50", "currency": "USD"}
    assert (
        values["signed_on"] == "2026-05-01" and values["signed_at"] == "2026-05-01T01:00:00.000000Z"
    )
    assert values["email"] == "Someone@example.com" and values["phone"] == "+8613800138000"
    assert (
        values["regions"] == ["EAST", "WEST"] and values["stars"] == 4 and values["active"] is True
    )
    assert values["account"] == account["id"] and values["manager"] == user_ids["member"]
    assert values["address"] == {"city": "Shanghai", "region": "East China"}
    related = {r["field"]: r["display"] for r in response.data["createRecord"]["related"]}
    assert related["account"] == "Typed Account" and related["manager"] is not None


async def test_every_invalid_value_is_reported_at_once_and_nothing_is_written(
    client, as_alpha, every_type
):
    before = (await list_records(client, as_alpha["admin"], every_type))["totalCount"]
    response = await create_record(client, as_alpha["admin"], every_type, INVALID)
    assert field_codes(response) == {f"values.{name}": code for name, code in INVALID_CODES.items()}
    assert (await list_records(client, as_alpha["admin"], every_type))["totalCount"] == before


async def test_references_must_point_at_existing_records(client, as_alpha, as_beta, every_type):
    foreign = await make_customer(client, as_beta["admin"], name="Beta's customer")
    response = await create_record(
        client, as_alpha["admin"], every_type, {"account": foreign["id"]}
    )
    assert field_codes(response) == {"values.account": "NOT_FOUND"}
    response = await create_record(client, as_alpha["admin"], every_type, {"account": "not-an-id"})
    assert field_codes(response) == {"values.account": "INVALID_ID"}


@pytest.mark.parametrize(
    "field, low, high, op, operand",
    [
        ("seats", 5, 50, "gt", 10),
        ("ratio", "0.5", "2.5", "gt", "1"),
        ("price", {"amount": 10}, {"amount": 200}, "gte", 100),
        ("discount", 5, 50, "gt", 10),
        ("signed_on", "2026-01-01", "2026-06-30", "gt", "2026-03-01"),
        (
            "signed_at",
            "2026-01-01T00:00:00Z",
            "2026-01-02T00:00:00+08:00",
            "gt",
            "2026-01-01T12:00:00Z",
        ),
        ("title", "Apple", "Banana", "eq", "Banana"),
        ("email", "a@example.com", "b@example.com", "eq", "b@example.com"),
        ("tier", "GOLD", "SILVER", "eq", "SILVER"),
        ("stars", 1, 5, "gte", 3),
        ("active", False, True, "eq", True),
        ("regions", ["WEST"], ["EAST", "NORTH"], "eq", "EAST"),
        ("phone", "+8613800138000", "+8613900139000", "eq", "+8613900139000"),
        ("site", "https://a.test", "https://b.test", "like", "%b.test"),
    ],
)
async def test_filter_and_sort_on_each_type(client, as_alpha, field, low, high, op, operand):
    spec = next(f for f in FIELDS if f["apiName"] == field)
    name = await make_object(
        client, as_alpha["admin"], [spec, dict(apiName="label", type="TEXT")], stem="filter"
    )
    for label, value in (("low", low), ("high", high), ("none", None)):
        values = {"label": label, **({field: value} if value is not None else {})}
        create_record_response = await create_record(client, as_alpha["admin"], name, values)
        assert create_record_response.data
    found = await list_records(
        client, as_alpha["admin"], name, filter={"field": field, op: operand}
    )
    assert [e["node"]["values"]["label"] for e in found["edges"]] == ["high"]
    empty = await list_records(
        client, as_alpha["admin"], name, filter={"field": field, "isNull": True}
    )
    assert [e["node"]["values"]["label"] for e in empty["edges"]] == ["none"]
    if spec["type"] != "MULTI_SELECT":
        ordered = await list_records(
            client,
            as_alpha["admin"],
            name,
            orderBy=[{"field": field, "direction": "DESC", "nulls": "LAST"}],
        )
        assert [e["node"]["values"]["label"] for e in ordered["edges"]] == ["high", "low", "none"]


async def test_currency_fields_take_only_iso_4217_codes(client, as_alpha):
    admin = as_alpha["admin"]
    thing = await make_object(
        client,
        admin,
        [dict(apiName="price", type="CURRENCY", config={"currency": "EUR"})],
        stem="priced",
    )

    config = await gql(
        client,
        CREATE_FIELD,
        {
            "input": {
                "object": thing,
                "apiName": "fee",
                "label": "Fee",
                "type": "CURRENCY",
                "config": {"currency": "ZZZ"},
            }
        },
        token=admin,
    )
    value = await create_record(
        client, admin, thing, {"price": {"amount": "10", "currency": "ZZZ"}}
    )
    good = await create_record(client, admin, thing, {"price": {"amount": "10", "currency": "CHF"}})

    assert field_codes(config) == {"config.currency": "INVALID_CURRENCY"}
    assert field_codes(value) == {"values.price": "INVALID_CURRENCY"}
    assert good.data["createRecord"]["values"]["price"] == {"amount": "10.00", "currency": "CHF"}
