"""Python attribute names of inputs to the API's field names."""

from __future__ import annotations


def plural(type_name: str) -> str:
    """The plural of a record type's name in mutation names (bulkCreateOpportunities)."""
    return type_name[:-1] + "ies" if type_name.endswith("y") else type_name + "s"


def camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)
