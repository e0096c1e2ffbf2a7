"""Python attribute names of inputs to the API's field names."""

from __future__ import annotations


def camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)
