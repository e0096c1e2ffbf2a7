"""What a mutation's input actually carries: fields left out (UNSET) are not changes."""

from __future__ import annotations

from typing import Any

from strawberry import UNSET


def given_fields(input: Any, names: dict[str, str]) -> dict[str, Any]:
    """{domain name: value} for each input attribute (by Python name) the caller sent; a None
    sent for a field that cannot be cleared is the caller's to explain, so it is kept."""
    return {
        key: getattr(input, name)
        for name, key in names.items()
        if getattr(input, name, UNSET) is not UNSET
    }
