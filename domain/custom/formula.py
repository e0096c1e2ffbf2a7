"""A small, safe expression language for formula fields: a tokenizer and recursive-descent parser
producing a tree that is evaluated against a record's values. No `eval`, no attribute access, no
loops: only literals, field names, operators and the functions listed in FUNCTIONS.

    amount * (1 - discount / 100)
    IF(status = "ACTIVE" and end_date >= "2026-01-01", "current", "lapsed")
    DAYS_BETWEEN(start_date, end_date)      ROUND(amount / 12, 2)      name & " (" & code & ")"

Numbers are decimals; anything combined with a missing value is missing (except in COALESCE and
IF's condition); division by zero gives a missing value rather than an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, DivisionByZero, InvalidOperation
from functools import lru_cache
from typing import Any

MAX_LENGTH = 1000
MAX_DEPTH = 30

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>\d+(?:\.\d+)?) |
    (?P<string>"(?:[^"\\]|\\.)*") |
    (?P<name>[A-Za-z_][A-Za-z0-9_]*) |
    (?P<op><=|>=|!=|[-+*/&(),=<>])
)""",
    re.X,
)


class FormulaError(ValueError):
    """The expression is not valid; the message says where."""


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Binary:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Any


def _tokens(text: str) -> list[tuple[str, str]]:
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"a formula has at most {MAX_LENGTH} characters")
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise FormulaError(
                f"unexpected character at position {position + 1}: {text[position : position + 10]!r}"
            )
        kind = match.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1].lower() != value):
            raise FormulaError(
                f"expected {value or 'more'} but found {token[1] if token else 'the end'}"
            )
        self.index += 1
        return token

    def at(self, *values: str) -> bool:
        token = self.peek()
        return token is not None and token[0] in ("op", "name") and token[1].lower() in values

    def parse(self) -> Any:
        tree = self.expression()
        if (extra := self.peek()) is not None:
            raise FormulaError(f"unexpected {extra[1]!r}")
        return tree

    def expression(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError("the formula nests too deeply")
        tree = self.left_assoc(self.conjunction, ("or",))
        self.depth -= 1
        return tree

    def left_assoc(self, operand: Callable[[], Any], ops: tuple[str, ...]) -> Any:
        tree = operand()
        while self.at(*ops):
            op = self.take()[1].lower()
            tree = Binary(op, tree, operand())
        return tree

    def conjunction(self) -> Any:
        return self.left_assoc(self.negation, ("and",))

    def negation(self) -> Any:
        if self.at("not"):
            self.take()
            return Unary("not", self.negation())
        return self.comparison()

    def comparison(self) -> Any:
        tree = self.additive()
        if self.at("=", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            tree = Binary(op, tree, self.additive())
        return tree

    def additive(self) -> Any:
        return self.left_assoc(self.multiplicative, ("+", "-", "&"))

    def multiplicative(self) -> Any:
        return self.left_assoc(self.unary, ("*", "/"))

    def unary(self) -> Any:
        if self.at("-"):
            self.take()
            return Unary("-", self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "number":
            return Literal(Decimal(text))
        if kind == "string":
            return Literal(re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "op" and text == "(":
            tree = self.expression()
            self.take(")")
            return tree
        if kind == "name":
            lowered = text.lower()
            if lowered in ("true", "false"):
                return Literal(lowered == "true")
            if lowered == "null":
                return Literal(None)
            if self.at("("):
                return self.call(text.upper())
            return Field(text)
        raise FormulaError(f"unexpected {text!r}")

    def call(self, name: str) -> Call:
        if name not in FUNCTIONS:
            raise FormulaError(
                f"unknown function {name}; available: {', '.join(sorted(FUNCTIONS))}"
            )
        self.take("(")
        args = []
        if not self.at(")"):
            args.append(self.expression())
            while self.at(","):
                self.take()
                args.append(self.expression())
        self.take(")")
        low, high = FUNCTIONS[name][1]
        if not low <= len(args) <= high:
            raise FormulaError(
                f"{name} takes {low if low == high else f'{low} to {high}'} arguments"
            )
        return Call(name, tuple(args))


@lru_cache(maxsize=1024)
def parse(text: str) -> Any:
    """The expression tree of `text`; FormulaError with the reason if it is not valid."""
    return _Parser(text).parse()


def fields_used(tree: Any) -> set[str]:
    """The field names an expression reads."""
    if isinstance(tree, Field):
        return {tree.name}
    if isinstance(tree, Binary):
        return fields_used(tree.left) | fields_used(tree.right)
    if isinstance(tree, Unary):
        return fields_used(tree.operand)
    if isinstance(tree, Call):
        return set().union(*(fields_used(arg) for arg in tree.args)) if tree.args else set()
    return set()


def evaluate(tree: Any, values: dict[str, Any]) -> Any:
    """The value of the expression for a record whose fields hold `values`."""
    if isinstance(tree, Literal):
        return tree.value
    if isinstance(tree, Field):
        return _coerce(values.get(tree.name))
    if isinstance(tree, Unary):
        operand = evaluate(tree.operand, values)
        if tree.op == "not":
            return None if operand is None else not _truthy(operand)
        return None if operand is None else -as_number(operand)
    if isinstance(tree, Call):
        if tree.function == "IF":  # only the branch taken is evaluated
            condition = evaluate(tree.args[0], values)
            branch = (
                tree.args[1]
                if _truthy(condition)
                else (tree.args[2] if len(tree.args) > 2 else Literal(None))
            )
            return evaluate(branch, values)
        return FUNCTIONS[tree.function][0](*(evaluate(arg, values) for arg in tree.args))
    return _binary(tree.op, evaluate(tree.left, values), evaluate(tree.right, values))


def _coerce(value: Any) -> Any:
    """Stored values as the language sees them: money by amount, decimals as numbers."""
    if isinstance(value, dict) and "amount" in value:
        value = value["amount"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value
        except InvalidOperation:
            return value
    return value


def _truthy(value: Any) -> bool:
    return bool(value) and value is not None


def as_number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise FormulaError(f"{value!r} is not a number")
    return value


def _binary(op: str, left: Any, right: Any) -> Any:
    if op == "and":
        return _truthy(left) and _truthy(right)
    if op == "or":
        return _truthy(left) or _truthy(right)
    if left is None or right is None:
        return None
    if op == "&":
        return f"{_text(left)}{_text(right)}"
    if op in ("=", "!=", "<", "<=", ">", ">="):
        if type(left) is not type(right):
            left, right = _text(left), _text(right)
        return {
            "=": left == right,
            "!=": left != right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[op]
    a, b = as_number(left), as_number(right)
    try:
        return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[
            op
        ]()
    except (DivisionByZero, InvalidOperation):
        return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _date(value: Any) -> date:
    """Only ever called through _nullsafe: a missing value never gets here."""
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise FormulaError(f"{value!r} is not a date") from exc


def _nullsafe(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return None if any(arg is None for arg in args) else function(*args)

    return call


FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[int, int]]] = {
    "IF": (lambda *args: None, (2, 3)),  # evaluated lazily in evaluate()
    "COALESCE": (lambda *args: next((a for a in args if a is not None), None), (1, 10)),
    "ROUND": (
        _nullsafe(
            lambda x, places=Decimal(0): as_number(x).quantize(Decimal(1).scaleb(-int(places)))
        ),
        (1, 2),
    ),
    "ABS": (_nullsafe(lambda x: abs(as_number(x))), (1, 1)),
    "MIN": (_nullsafe(lambda *xs: min(as_number(x) for x in xs)), (1, 10)),
    "MAX": (_nullsafe(lambda *xs: max(as_number(x) for x in xs)), (1, 10)),
    "CONCAT": (lambda *xs: "".join(_text(x) for x in xs), (1, 10)),
    "UPPER": (_nullsafe(lambda x: _text(x).upper()), (1, 1)),
    "LOWER": (_nullsafe(lambda x: _text(x).lower()), (1, 1)),
    "LEN": (_nullsafe(lambda x: Decimal(len(_text(x)))), (1, 1)),
    "DAYS_BETWEEN": (_nullsafe(lambda a, b: Decimal((_date(b) - _date(a)).days)), (2, 2)),
    "ADD_DAYS": (
        _nullsafe(lambda d, n: (_date(d) + timedelta(days=int(as_number(n)))).isoformat()),
        (2, 2),
    ),
}
