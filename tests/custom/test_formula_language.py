"""The formula language of formula fields (domain/custom/formula.py), tested as pure code: the
parser's precedence and errors, and evaluation with missing values, money and dates. The GraphQL
tests (test_field_types.py, test_records.py) cover formulas stored on records."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from domain.custom.formula import MAX_DEPTH, MAX_LENGTH, FormulaError, evaluate, fields_used, parse


def value(text: str, **values: Any) -> Any:
    return evaluate(parse(text), values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", Decimal(7)),
        ("(1 + 2) * 3", Decimal(9)),
        ("10 - 2 - 3", Decimal(5)),  # left-associative
        ("12 / 4 / 3", Decimal(1)),
        ("-2 * -3", Decimal(6)),
        ("0.1 + 0.2", Decimal("0.3")),  # decimals, not floats
    ],
)
def test_arithmetic_follows_the_usual_precedence(text: str, expected: Decimal) -> None:
    assert value(text) == expected


def test_anything_combined_with_a_missing_value_is_missing() -> None:
    assert value("amount * 2", amount=None) is None
    assert value("-amount", amount=None) is None
    assert value('"x" & missing') is None
    assert value("x = null", x=None) is None


def test_division_by_zero_is_a_missing_value_not_an_error() -> None:
    assert value("amount / 0", amount=5) is None


def test_stored_values_are_read_as_the_language_sees_them() -> None:
    assert value("price * 2", price={"amount": "12.50", "currency": "EUR"}) == Decimal(
        "25.00"
    )  # money by amount
    assert value("n + 1", n=2.5) == Decimal("3.5")
    assert value("n + 1", n="41") == Decimal(42)  # numeric text is a number


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ('status = "ACTIVE"', {"status": "ACTIVE"}, True),
        ('status != "ACTIVE"', {"status": "ACTIVE"}, False),
        ('amount = "10"', {"amount": 10}, True),  # different types compare as text
        ("amount > 9.5", {"amount": "10"}, True),
        ('end_date >= "2026-01-01"', {"end_date": "2026-03-01"}, True),  # ISO dates order as text
    ],
)
def test_comparisons(text: str, values: dict[str, Any], expected: bool) -> None:
    assert value(text, **values) is expected


def test_and_or_not_treat_a_missing_value_as_false_but_not_negates_to_missing() -> None:
    assert value("a and b", a=True, b=None) is False
    assert value("a or b", a=None, b=True) is True
    assert value("not (1 = 1)") is False
    assert value("not x", x=None) is None
    assert value("NOT TRUE AND FALSE") is False  # keywords in any case; not binds tighter than and


def test_if_takes_the_branch_its_condition_chooses() -> None:
    assert value('IF(amount > 100, "big", "small")', amount=150) == "big"
    assert (
        value('IF(amount > 100, "big", "small")', amount=None) == "small"
    )  # a missing condition is false
    assert value('IF(amount > 100, "big")', amount=5) is None  # no else: missing


def test_text_functions_and_concatenation() -> None:
    assert value('name & " (" & code & ")"', name="Acme", code="AC") == "Acme (AC)"
    assert value('CONCAT("a", missing, true)') == "atrue"  # CONCAT skips what is missing
    assert value('UPPER("ab") & LOWER("CD")') == "ABcd"
    assert value('LEN("héllo")') == Decimal(5)
    assert value(r'"say \"hi\""') == 'say "hi"'


def test_number_functions() -> None:
    assert value("ROUND(amount / 3, 2)", amount=10) == Decimal("3.33")
    assert value("ABS(-4)") == Decimal(4)
    assert (value("MIN(3, 1, 2)"), value("MAX(3, 1, 2)")) == (Decimal(1), Decimal(3))
    assert value("COALESCE(amount, 0)", amount=None) == Decimal(0)
    assert value("ABS(x)", x=None) is None


def test_date_functions_count_calendar_days() -> None:
    assert value('DAYS_BETWEEN("2026-01-01", "2026-03-01")') == Decimal(59)
    assert value('ADD_DAYS("2026-01-31", 1)') == "2026-02-01"
    assert (
        value('ADD_DAYS("2024-02-28T10:00:00", 1)') == "2024-02-29"
    )  # a date and time counts by its date
    assert value('DAYS_BETWEEN(start, "2026-01-02")', start=None) is None


def test_literals() -> None:
    assert value("true") is True
    assert value("FALSE") is False
    assert value("null") is None


def test_the_fields_a_formula_reads() -> None:
    assert fields_used(parse('IF(a > b, UPPER(c), d & "x")')) == {"a", "b", "c", "d"}
    assert fields_used(parse("1 + 2")) == set()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 +", "expected more but found the end"),
        ("(1 + 2", "expected ) but found the end"),
        ("1 2", "unexpected '2'"),
        ("1 $ 2", "unexpected character at position 2"),
        ("FOO(1)", "unknown function FOO"),
        ("ROUND()", "ROUND takes 1 to 2 arguments"),
        ("DAYS_BETWEEN(1)", "DAYS_BETWEEN takes 2 arguments"),
        ("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1), "nests too deeply"),
        ("a" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH} characters"),
    ],
)
def test_invalid_formulas_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=re.escape(message)):
        parse(text)


@pytest.mark.parametrize(
    ("text", "values", "message"),
    [
        ("x * 2", {"x": "abc"}, "'abc' is not a number"),
        ('DAYS_BETWEEN("soon", "2026-01-01")', {}, "'soon' is not a date"),
    ],
)
def test_values_of_the_wrong_kind_are_an_error_when_evaluated(
    text: str, values: dict[str, Any], message: str
) -> None:
    with pytest.raises(FormulaError, match=re.escape(message)):
        value(text, **values)
