"""Rule conditions as pure code: how a condition tree is checked when a rule is saved, evaluated
against a record's values (domain/automation/conditions.py), and turned into the SQL that narrows a
time-based run (domain/automation/condition_sql.py). The GraphQL tests (test_rules.py,
test_idle_rules.py, test_related_conditions.py) run the same code through saved rules."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from domain.automation.condition_sql import condition_sql
from domain.automation.conditions import (
    MAX_DEPTH,
    MAX_NODES,
    check_conditions,
    evaluate,
    names_actor,
)
from domain.errors import FieldError
from domain.records.spec import FieldSpec, Kind, RecordSpec
from domain.records.sql import Params


def cond(name: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": name, "op": op, "value": value}


def holds(
    tree: Any,
    current: dict[str, Any] | None = None,
    *,
    previous: dict[str, Any] | None = None,
    changed: tuple[str, ...] = (),
    actor: dict[str, Any] | None = None,
) -> bool:
    return evaluate(
        tree,
        current=current or {},
        previous=previous or {},
        changed=set(changed),
        actor=actor or {},
    )


# -- evaluation --------------------------------------------------------------------------------


def test_an_empty_tree_always_holds() -> None:
    assert holds({}) and holds(None)


@pytest.mark.parametrize(
    ("tree", "current", "expected"),
    [
        (cond("amount", "eq", 10), {"amount": "10.0"}, True),  # numbers compare as decimals
        (cond("region", "eq", "east"), {"region": "East"}, False),  # eq is exact on text
        (cond("region", "neq", "west"), {"region": "East"}, True),
        (cond("flag", "eq", "true"), {"flag": True}, True),  # booleans compare as true / false
        (
            cond("region", "contains", "AS"),
            {"region": "East"},
            True,
        ),  # text containment ignores case
        (cond("tags", "contains", "vip"), {"tags": ["vip", "new"]}, True),
        (cond("tags", "contains", "VIP"), {"tags": ["vip"]}, False),  # a list holds the exact value
        (cond("region", "contains", "x"), {}, False),
        (cond("n", "in", [1, 2]), {"n": "2"}, True),
        (cond("n", "notIn", [1, 2]), {"n": 3}, True),
        (cond("n", "in", None), {"n": 3}, False),
        (cond("d", "gt", "2026-01-01"), {"d": date(2026, 2, 1)}, True),  # dates compare as ISO text
        (cond("n", "gte", 5), {"n": 5}, True),
        (
            cond("n", "gt", 5),
            {"n": None},
            False,
        ),  # nothing is greater or smaller than a missing value
        (cond("n", "lt", "abc"), {"n": 5}, False),  # nor than a value of another kind
    ],
)
def test_comparisons_on_the_current_values(
    tree: dict[str, Any], current: dict[str, Any], expected: bool
) -> None:
    assert holds(tree, current) is expected


@pytest.mark.parametrize("empty", [None, "", []])
def test_is_null_sees_none_empty_text_and_empty_lists_as_empty(empty: Any) -> None:
    assert holds(cond("x", "isNull"), {"x": empty})
    assert not holds(cond("x", "isNull", False), {"x": empty})
    assert holds(cond("x", "isNull", False), {"x": "a"})


def test_changed_previous_and_actor() -> None:
    assert holds(cond("status", "changed"), changed=("status",))
    assert not holds(cond("status", "changed", False), changed=("status",))
    assert holds({"previous": "status", "op": "eq", "value": "NEW"}, previous={"status": "NEW"})
    assert holds({"actor": "role", "op": "eq", "value": "ADMIN"}, actor={"role": "ADMIN"})
    assert not holds(
        {"actor": "role", "op": "eq", "value": "ADMIN"}, {"role": "ADMIN"}
    )  # the record's role is not the actor's


def test_not_within_days_holds_for_empty_values_and_those_old_enough() -> None:
    today = datetime.now(timezone.utc).date()
    assert holds(cond("d", "notWithinDays", 7), {"d": today - timedelta(days=10)})
    assert not holds(cond("d", "notWithinDays", 7), {"d": today})
    assert holds(cond("d", "notWithinDays", 7), {})
    assert holds(
        cond("t", "notWithinDays", 7),
        {"t": (datetime.now(timezone.utc) - timedelta(days=8)).isoformat()},
    )


def test_all_any_and_not_combine() -> None:
    values = {"a": 1, "b": 2}
    assert holds({"all": [cond("a", "eq", 1), cond("b", "eq", 2)]}, values)
    assert holds({"any": [cond("a", "eq", 0), cond("b", "eq", 2)]}, values)
    assert not holds({"not": cond("a", "eq", 1)}, values)
    assert holds({"all": []}) and not holds({"any": []})


def test_names_actor_looks_through_the_whole_tree() -> None:
    assert names_actor({"all": [cond("a", "eq"), {"not": {"actor": "role", "op": "eq"}}]})
    assert not names_actor({"any": [cond("a", "eq"), {"previous": "a", "op": "eq"}]})


# -- checking a rule's tree ----------------------------------------------------------------------


def problems(tree: Any) -> list[tuple[str, str]]:
    errors: list[FieldError] = []
    check_conditions(tree, errors)
    return [(e.field, e.code) for e in errors]


def test_a_well_formed_tree_has_no_problems() -> None:
    assert (
        problems(
            {
                "all": [
                    cond("a", "eq", 1),
                    {"not": {"previous": "b", "op": "changed"}},
                    {"any": [{"actor": "role", "op": "in", "value": ["ADMIN"]}]},
                ]
            }
        )
        == []
    )


def test_every_malformed_part_is_named_by_its_path() -> None:
    assert problems(
        {
            "all": [
                {"field": "a", "op": "nope"},
                {"field": "a", "actor": "b", "op": "eq"},
                {"field": "a", "op": "in", "value": 3},
                "x",
                {"any": 3},
                {},
            ]
        }
    ) == [
        ("conditions.all.0.op", "INVALID_OPERATOR"),
        ("conditions.all.1", "INVALID_CONDITION"),
        ("conditions.all.2.value", "INVALID_VALUE"),
        ("conditions.all.3", "INVALID_CONDITION"),
        ("conditions.all.4.any", "INVALID_CONDITION"),
        ("conditions.all.5", "INVALID_CONDITION"),
    ]


def test_trees_too_deep_or_too_big_are_refused() -> None:
    deep: dict[str, Any] = cond("a", "eq")
    for _ in range(MAX_DEPTH):
        deep = {"not": deep}
    assert problems(deep) == [("conditions" + ".not" * MAX_DEPTH, "TOO_COMPLEX")]
    assert problems({"any": [cond("a", "eq")] * MAX_NODES}) == [
        (f"conditions.any.{MAX_NODES - 1}", "TOO_COMPLEX")
    ]
    assert problems({"any": [cond("a", "eq")] * (MAX_NODES - 1)}) == []


# -- the SQL that narrows a time-based run ----------------------------------------------------------

SPEC = RecordSpec(
    record_type="Thing",
    table="thing",
    fields=(
        FieldSpec("name", "name", Kind.TEXT),
        FieldSpec("amount", "amount", Kind.DECIMAL),
        FieldSpec("close_date", "close_date", Kind.DATE),
        FieldSpec("touched_at", "touched_at", Kind.DATETIME),
        FieldSpec("owner_id", "owner_id", Kind.UUID),
        FieldSpec("tags", "tags", Kind.TEXT_ARRAY),
        FieldSpec("won", "won", Kind.BOOL),
        FieldSpec("custom_fields.size", "custom_fields", Kind.TEXT, json_path=("size",)),
    ),
)
OWNER = "0190a0a0-0000-7000-8000-000000000001"


def sql(tree: Any) -> tuple[str | None, list[Any]]:
    params = Params()
    return condition_sql(tree, SPEC, params), params.values


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (cond("name", "eq", "Acme"), ("coalesce(t.name = $1, false)", ["Acme"])),
        (cond("amount", "gte", 100), ("coalesce(t.amount >= $1::numeric, false)", [Decimal(100)])),
        (
            cond("closeDate", "lt", "2026-01-01"),
            ("coalesce(t.close_date < $1::date, false)", [date(2026, 1, 1)]),
        ),
        (
            cond("ownerId", "eq", OWNER),
            ("coalesce(t.owner_id = $1::uuid, false)", [uuid.UUID(OWNER)]),
        ),
        (cond("won", "eq", True), ("coalesce(t.won = $1, false)", [True])),
        (cond("tags", "isNull"), ("(t.tags IS NULL OR cardinality(t.tags) = 0)", [])),
        (cond("name", "isNull", False), ("NOT ((t.name IS NULL OR t.name = ''))", [])),
        (
            cond("name", "in", ["a", "b"]),
            ("(coalesce(t.name = $1, false)) OR (coalesce(t.name = $2, false))", ["a", "b"]),
        ),
        (cond("name", "in", []), ("FALSE", [])),
        (
            cond("touchedAt", "notWithinDays", 3),
            (
                "(t.touched_at IS NULL OR t.touched_at <= now() - make_interval(secs => $1::float8))",
                [3 * 86400.0],
            ),
        ),
        (
            cond("closeDate", "notWithinDays", 2.5),  # whole days back, as evaluate counts dates
            (
                "(t.close_date IS NULL OR t.close_date <= (now() AT TIME ZONE 'UTC')::date - $1::int)",
                [3],
            ),
        ),
    ],
)
def test_comparisons_sql_can_say_exactly_become_sql(
    tree: dict[str, Any], expected: tuple[str, list[Any]]
) -> None:
    assert sql(tree) == expected


@pytest.mark.parametrize(
    "tree",
    [
        cond("name", "eq", "10"),  # numeric text: evaluate compares it as a number
        cond("amount", "eq", "abc"),
        cond("closeDate", "lt", "2026-1-1"),  # not ISO: evaluate's text order differs
        cond("ownerId", "eq", OWNER.upper()),  # not canonical: evaluate compares the text
        cond("name", "notIn", ["a", 5]),
        cond("name", "contains", "x"),
        cond(
            "customFields.size", "eq", "L"
        ),  # custom fields and related records: evaluated in Python
        cond("unknown", "eq", "L"),
        cond("name", "changed"),
    ],
)
def test_what_sql_cannot_say_exactly_narrows_nothing(tree: dict[str, Any]) -> None:
    assert sql(tree) == (None, [])


def test_combinations_stay_sound() -> None:
    exact, inexact = cond("name", "eq", "a"), cond("name", "contains", "x")
    # all: the exact parts narrow, the rest is left to Python
    assert sql({"all": [exact, inexact, cond("amount", "gt", 1)]}) == (
        "(coalesce(t.name = $1, false)) AND (coalesce(t.amount > $2::numeric, false))",
        ["a", Decimal(1)],
    )
    # any with a part SQL cannot say: nothing narrowed, and no parameter left behind
    assert sql({"any": [exact, inexact]}) == (None, [])
    assert sql({"any": [exact, {}]}) == (None, [])  # a part that always holds
    assert sql({"any": []}) == ("FALSE", [])
    assert sql({"not": exact}) == ("NOT (coalesce(t.name = $1, false))", ["a"])
    # the negation of an inexact part could leave out records it holds for
    assert sql({"not": {"all": [exact, inexact]}}) == (None, [])


def test_previous_values_and_the_actor_are_empty_in_a_time_based_run() -> None:
    assert sql({"previous": "status", "op": "isNull"}) == (None, [])  # holds: narrows nothing
    assert sql({"previous": "status", "op": "eq", "value": "X"}) == ("FALSE", [])
    assert sql({"actor": "role", "op": "eq", "value": "ADMIN"}) == ("FALSE", [])
