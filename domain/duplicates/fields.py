"""Which fields of which objects duplicate rules may compare, how each is normalised, and how its
values are read from a stored row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.custom.fieldtypes import FieldType
from domain.custom.metadata import load_objects
from domain.duplicates.normalise import KeyKind, normalise

# Custom field types a rule may compare, and how (TEXT may be told to compare as a name).
_CUSTOM_KINDS = {
    FieldType.EMAIL: KeyKind.EMAIL,
    FieldType.PHONE: KeyKind.PHONE,
    FieldType.URL: KeyKind.DOMAIN,
    FieldType.TEXT: KeyKind.TEXT,
}
# The kinds a TEXT field may be compared as instead of plain folded text.
TEXT_KINDS = (KeyKind.TEXT, KeyKind.COMPANY_NAME, KeyKind.PERSON_NAME)


@dataclass(frozen=True)
class Matchable:
    """A field rules may name: its API name, the columns (or data keys) holding its values, and
    the normalisation it gets unless a rule picks another for a text field."""

    name: str
    sources: tuple[str, ...]
    kind: KeyKind
    in_data: bool = False  # a custom object's field: its value is row["data"][name]

    def keys(self, row: dict[str, Any], kind: KeyKind | None = None) -> set[str]:
        """The normalised keys of the field's values in `row` (lists give one key each)."""
        keys = set()
        for source in self.sources:
            value = (row.get("data") or {}).get(source) if self.in_data else row.get(source)
            for item in value if isinstance(value, list) else [value]:
                key = normalise(kind or self.kind, item)
                if key:
                    keys.add(key)
        return keys


STANDARD: dict[str, dict[str, Matchable]] = {
    "Customer": {
        m.name: m
        for m in (
            Matchable("name", ("name",), KeyKind.COMPANY_NAME),
            # The domain column, and the website's host when the domain was not given.
            Matchable("domain", ("domain", "website"), KeyKind.DOMAIN),
        )
    },
    "Contact": {
        m.name: m
        for m in (
            Matchable("name", ("name",), KeyKind.PERSON_NAME),
            Matchable("emails", ("emails",), KeyKind.EMAIL),
            Matchable("phones", ("phones",), KeyKind.PHONE),
        )
    },
    "Lead": {
        m.name: m
        for m in (
            Matchable("companyName", ("company_name",), KeyKind.COMPANY_NAME),
            Matchable("personName", ("person_name",), KeyKind.PERSON_NAME),
            Matchable("email", ("email",), KeyKind.EMAIL),
            Matchable("phone", ("phone",), KeyKind.PHONE),
        )
    },
}


async def matchable_fields(record_type: str) -> dict[str, Matchable] | None:
    """The fields of `record_type` rules may compare; None for a type rules do not apply to."""
    if record_type in STANDARD:
        return STANDARD[record_type]
    for obj in await load_objects():
        if obj.api_name == record_type:
            return {
                f.api_name: Matchable(
                    f.api_name, (f.api_name,), _CUSTOM_KINDS[f.type], in_data=True
                )
                for f in obj.live_fields
                if f.type in _CUSTOM_KINDS
            }
    return None


@dataclass(frozen=True)
class Source:
    """Where the records of a type live: their table, and for a custom object its id (its
    records share custom_record with every other object's)."""

    record_type: str
    table: str
    object_id: Any = None

    def where(self, alias: str, first_param: int) -> tuple[str, list[Any]]:
        """Extra SQL limiting `alias` to this type's rows, with its parameters from $first_param."""
        if self.object_id is None:
            return "", []
        return f" AND {alias}.object_id = ${first_param}", [self.object_id]


_STANDARD_TABLES = {"Customer": "customer", "Contact": "contact", "Lead": "lead"}


async def source_of(record_type: str) -> Source | None:
    if record_type in _STANDARD_TABLES:
        return Source(record_type, _STANDARD_TABLES[record_type])
    for obj in await load_objects():
        if obj.api_name == record_type:
            return Source(record_type, "custom_record", obj.id)
    return None


def may_have_rules(record_type: str, table: str, columns: set[str] | None = None) -> bool:
    """Cheap test before any query: only customers, contacts, leads and custom records have
    rules, and an update that changed none of the columns rules read cannot change a key."""
    if table == "custom_record":
        return columns is None or "data" in columns
    fields = STANDARD.get(record_type)
    if fields is None:
        return False
    return columns is None or any(
        source in columns for field in fields.values() for source in field.sources
    )
