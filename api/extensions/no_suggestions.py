"""Errors that suggest no names, for a schema that keeps itself to itself (introspection off).

graphql-core appends "Did you mean 'customers'?" to validation and variable errors; that hands
the schema out field by field to anyone who guesses. With `hide_suggestions` it does not.
strawberry does not pass that option, so validation (with the cache strawberry's ValidationCache
keeps) and variable coercion (the executor's `build`) set it here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from graphql import validate
from strawberry.extensions import ValidationCache
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule


def _validate_without_suggestions(schema: Any, document: Any, rules: tuple[Any, ...]) -> list[Any]:
    # The rules strawberry adds to every validation (see strawberry.schema.schema.validate_document).
    return validate(
        schema,
        document,
        (*rules, MaybeNullValidationRule, OneOfInputValidationRule),
        hide_suggestions=True,
    )


@cache
def _cached_validation(maxsize: int) -> Callable[..., list[Any]]:
    # One cache per size for every request, as strawberry's own ValidationCache shares one.
    return lru_cache(maxsize=maxsize)(_validate_without_suggestions)


class ValidationCacheWithoutSuggestions(ValidationCache):
    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self.cached_validate_document = _cached_validation(maxsize)


class WithoutSuggestions:
    """Executor mixin: variable values are coerced without suggestions too."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)  # type: ignore[misc]
