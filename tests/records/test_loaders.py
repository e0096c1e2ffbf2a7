"""The request's loaders can say what they have loaded already, which is what lets a related
record prefetched with a list's page answer without an await (api/records/loaders.py). That
relies on strawberry's DataLoader keeping its futures in the `cache_map` it is given: if a
strawberry upgrade stops doing so, these tests fail."""

from __future__ import annotations

from api.records.loaders import Loader, related


def _loader(calls: list[list[str]]) -> Loader:
    async def load(keys: list[str]) -> list[str]:
        calls.append(list(keys))
        return [key.upper() for key in keys]

    return Loader(load)


async def test_a_primed_value_is_known_without_loading():
    calls: list[list[str]] = []
    loader = _loader(calls)
    loader.prime("a", "primed")
    assert loader.peek("a") == (True, "primed")
    assert loader.peek("b") == (False, None)
    assert related(loader, "a", str.title) == "Primed"  # synchronously: no awaitable
    assert calls == []


async def test_a_loaded_value_is_known_afterwards_and_unknown_before():
    calls: list[list[str]] = []
    loader = _loader(calls)
    pending = related(loader, "b", str.lower)
    assert loader.peek("b") == (False, None)
    assert await pending == "b"
    assert loader.peek("b") == (True, "B")
    assert calls == [["b"]]


async def test_forgotten_values_are_unknown_again():
    loader = _loader([])
    loader.prime_many({"a": "1", "b": "2"})
    loader.clear("a")
    assert loader.peek("a") == (False, None) and loader.peek("b") == (True, "2")
    loader.clear_all()
    assert loader.peek("b") == (False, None)
