"""The fast executor answers exactly as graphql-core's executor: the same data, the same errors
with the same paths, for the shapes it shortcuts and for those it hands back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry import relay
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.types import Info

from api.execution import FastExecutor, Prefetched


@strawberry.enum
class Color(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Tag(Named):
    weight: int | None = None


@strawberry.type
class Person(Named):
    email: str | None = None


class Deny(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


CALLS: list[str] = []


@strawberry.type
class Deal(relay.Node, Prefetched):
    node_id: relay.NodeID[str]
    name: str
    amount: Decimal | None
    closes_on: date | None
    color: Color
    labels: list[str]
    maybe_labels: list[str | None] | None
    strict: str  # set to None on some deals: a non-null violation
    grid: list[list[int]]
    tags: list[Tag]
    private_owner: strawberry.Private[Any] = None

    @strawberry.field
    def owner(self, info: Info) -> Person | None:
        CALLS.append("owner")
        return self.private_owner

    @strawberry.field
    async def later_owner(self) -> Person | None:
        await asyncio.sleep(0)
        return self.private_owner

    @strawberry.field
    def strict_owner(self) -> Person:
        return self.private_owner

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError(f"broken on {self.name}")

    @strawberry.field
    def broken_strict(self) -> str:
        raise ValueError(f"strictly broken on {self.name}")

    @strawberry.field
    def error_value(self) -> str | None:
        return ValueError("returned, not raised")  # type: ignore[return-value]

    @strawberry.field
    def wrong_type(self) -> Person | None:
        return Tag(name="not a person")  # type: ignore[return-value]

    @strawberry.field
    def generated(self) -> list[int]:
        return (n for n in range(3))  # type: ignore[return-value]

    @strawberry.field
    def awaitable_items(self) -> list[Person | None]:
        async def one(index: int) -> Person | None:
            return None if index == 1 else Person(name=f"async {index}")

        return [one(index) for index in range(3)]  # type: ignore[list-item]

    @strawberry.field
    def named(self) -> list[Named]:
        return [*self.tags, *(p for p in [self.private_owner] if p)]

    @strawberry.field
    def greeting(self, greeting: str = "hello") -> str:
        return f"{greeting} {self.name}"

    @strawberry.field(permission_classes=[Deny])
    def secret(self) -> str:
        return "s3cret"

    # No resolver, but a permission class: never a plain attribute read.
    guarded: str = strawberry.field(default="guarded", permission_classes=[Deny])


@strawberry.type
class CustomId(relay.Node):
    code: relay.NodeID[str]

    @classmethod
    def resolve_id(cls, root: CustomId, *, info: Info) -> str:
        return f"custom-{root.code}"


def _deals() -> list[Deal]:
    deals = []
    for index in range(6):
        deals.append(
            Deal(
                node_id=f"deal-{index}",
                name=f"Deal {index}",
                amount=Decimal(f"{index}.50") if index % 2 else None,
                closes_on=date(2027, 1, 1 + index),
                color=Color.RED if index % 2 else Color.BLUE,
                labels=[f"l{index}", "x"],
                maybe_labels=None if index == 2 else ["a", None],
                strict=None if index == 4 else "ok",  # type: ignore[arg-type]
                grid=[[index, 1], [2]],
                tags=[Tag(name=f"t{index}", weight=index if index % 3 else None)],
                private_owner=Person(name=f"P{index}", email=None) if index != 3 else None,
            )
        )
    return deals


@strawberry.type
class Query:
    @strawberry.field
    def deals(self) -> list[Deal]:
        return _deals()

    @strawberry.field
    async def async_deals(self) -> list[Deal | None]:
        return [*_deals(), None]

    @strawberry.field
    def custom(self) -> CustomId:
        return CustomId(code="7")

    @strawberry.field
    def anything(self) -> list[Named]:
        return [Tag(name="t"), Person(name="p", email="p@x")]


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename(self, name: str) -> Tag:
        return Tag(name=name)


def _schemas(extensions: list[Any] | None = None) -> tuple[strawberry.Schema, strawberry.Schema]:
    options = dict(query=Query, mutation=Mutation, extensions=extensions or [])
    return strawberry.Schema(**options, execution_context_class=FastExecutor), strawberry.Schema(
        **options
    )


def _shape(result: Any) -> tuple[Any, list[tuple]]:
    errors = sorted(
        (e.message, tuple(e.path or ()), tuple((loc.line, loc.column) for loc in e.locations or ()))
        for e in result.errors or []
    )
    return result.data, errors


DOCUMENTS = {
    "leaves": "{ deals { id name amount closesOn color labels maybeLabels grid } }",
    "objects": "{ deals { owner { name email } laterOwner { name } tags { name weight } } }",
    "non-null violation": "{ deals { name strict } }",
    "non-null object violation": "{ deals { name strictOwner { name } } }",
    "resolver errors": "{ deals { name broken } }",
    "strict resolver errors": "{ asyncDeals { name brokenStrict } }",
    "error values": "{ deals { errorValue } }",
    "wrong runtime type": "{ deals { wrongType { name } } }",
    "generators": "{ deals { generated } }",
    "awaitable list items": "{ deals { awaitableItems { name } } }",
    "abstract types": "{ deals { named { __typename name ... on Tag { weight } ... on Person { email } } } }",
    "typename": "{ __typename deals { __typename owner { __typename } } }",
    "aliases and merges": "{ deals { a: name b: name owner { name } owner { email } x: owner { n: name } } }",
    "fragments": "fragment D on Deal { name owner { ...P } } fragment P on Person { name email } { deals { ...D id } }",
    "arguments": '{ deals { greeting(greeting: "hi") plain: greeting } }',
    "permission": "{ deals { name secret } }",
    "permission without a resolver": "{ deals { name guarded } }",
    "relay ids": "{ deals { id } custom { id } }",
    "async root": "{ asyncDeals { id name owner { name } } }",
    "abstract root": "{ anything { name ... on Person { email } } }",
    "mutation": 'mutation { a: rename(name: "x") { name } b: rename(name: "y") { __typename name } }',
}


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_the_same_answer_as_graphql_core(name):
    fast, standard = _schemas()
    document = DOCUMENTS[name]
    assert _shape(await fast.execute(document)) == _shape(await standard.execute(document))


async def test_skip_and_include_follow_variables():
    fast, standard = _schemas()
    document = "query($a: Boolean!, $b: Boolean!) { deals { name @skip(if: $a) owner @include(if: $b) { name } } }"
    for variables in ({"a": True, "b": False}, {"a": False, "b": True}):
        assert _shape(await fast.execute(document, variables)) == _shape(
            await standard.execute(document, variables)
        )


async def test_resolve_hooks_see_every_field():
    seen: dict[str, list[str]] = {"fast": [], "standard": []}

    def recording(into: str) -> type[SchemaExtension]:
        class Record(SchemaExtension):
            def resolve(self, _next, root, info, *args, **kwargs):
                seen[into].append(".".join(str(key) for key in info.path.as_list()))
                return _next(root, info, *args, **kwargs)

        return Record

    document = "{ deals { name owner { name } tags { name } } }"
    fast = strawberry.Schema(
        query=Query, extensions=[recording("fast")], execution_context_class=FastExecutor
    )
    standard = strawberry.Schema(query=Query, extensions=[recording("standard")])
    assert _shape(await fast.execute(document)) == _shape(await standard.execute(document))
    assert sorted(seen["fast"]) == sorted(seen["standard"])
    assert (
        len(seen["fast"]) == 1 + 6 * 4 + 5
    )  # deals, and per deal name, owner, tags, tags.0.name; 5 owners


async def test_a_prefetched_value_answers_without_the_resolver():
    deal = _deals()[0]
    deal._prefetched = {"owner": Person(name="known already")}

    @strawberry.type
    class One:
        @strawberry.field
        def deal(self) -> Deal:
            return deal

    schema = strawberry.Schema(query=One, execution_context_class=FastExecutor)
    CALLS.clear()
    result = await schema.execute("{ deal { owner { name } laterOwner { name } } }")
    assert result.data == {
        "deal": {"owner": {"name": "known already"}, "laterOwner": {"name": "P0"}}
    }
    assert CALLS == []  # owner came from _prefetched; laterOwner was not prefetched and resolved


async def test_subscription_events_answer_alike_and_plan_afresh():
    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def deals(self) -> AsyncGenerator[Deal, None]:
            for deal in _deals()[:3]:
                yield deal

    def schema(executor: type | None) -> strawberry.Schema:
        return strawberry.Schema(
            query=Query, subscription=Subscription, execution_context_class=executor
        )

    async def events(executor: type | None) -> list[Any]:
        stream = await schema(executor).subscribe(
            "subscription { deals { id name owner { name } } }"
        )
        return [_shape(result) async for result in stream]

    assert await events(FastExecutor) == await events(None)
