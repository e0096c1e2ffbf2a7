"""Fields computed from other fields (formulas, rollups) are hidden from whoever may not see what
they are computed from: `total = qty * price` with `price` hidden tells `price`, and a rollup that
sums a hidden field of its children (or a formula over one) tells the sum. Hidden spreads along
these dependencies, to any depth, on custom and standard objects alike.

Field linkage (dependent picklists and fills) is not derivation: a filled field holds a value of
its own that anyone allowed may change afterwards, so it keeps its own rule (docs/permissions.md)."""

from __future__ import annotations

from domain.custom import formula
from domain.custom.fieldtypes import FieldDef, FieldType
from domain.custom.metadata import STANDARD_OBJECTS, load_objects, load_standard_fields
from domain.records.spec import CUSTOM_FIELDS_PREFIX

# (object, field) as field rules name them: the api name on custom objects, customFields.<name>
# on standard ones.
FieldKey = tuple[str, str]


def _key(holder: str, api_name: str) -> FieldKey:
    return holder, (CUSTOM_FIELDS_PREFIX + api_name if holder in STANDARD_OBJECTS else api_name)


def _inputs(holder: str, field: FieldDef) -> set[FieldKey]:
    """What a computed field reads; empty for fields that are not computed from fields."""
    if field.type is FieldType.FORMULA:
        try:
            tree = formula.parse(str(field.setting("expression", "")))
        except formula.FormulaError:
            return set()  # never saved that way; nothing computed from it either
        return {_key(holder, name) for name in formula.fields_used(tree)}
    if field.type is FieldType.ROLLUP:
        child = str(field.setting("childObject"))
        read = {_key(child, str(field.setting("relationField")))}
        if field.setting("function") != "COUNT":
            read.add(_key(child, str(field.setting("field"))))
        return read
    return set()


async def _dependencies() -> dict[FieldKey, set[FieldKey]]:
    """Each computed field of the tenant, with the fields it reads."""
    holders: list[tuple[str, tuple[FieldDef, ...]]] = [
        (obj.api_name, obj.fields) for obj in await load_objects()
    ]
    holders += [(name, await load_standard_fields(name)) for name in STANDARD_OBJECTS]
    found = {}
    for holder, fields in holders:
        for field in fields:
            inputs = _inputs(holder, field) if not field.deleted else set()
            if inputs:
                found[_key(holder, field.api_name)] = inputs
    return found


async def hidden_with_derived(hidden: dict[str, set[str]]) -> dict[str, set[str]]:
    """{object: hidden field names} of one role, grown by every field computed (directly or through
    other computed fields) from a hidden one."""
    if not any(hidden.values()):
        return hidden
    dependencies = await _dependencies()
    gone = {(obj, name) for obj, names in hidden.items() for name in names}
    grew = True
    while grew:  # a fixpoint: at most one round per computed field
        grew = False
        for derived, inputs in dependencies.items():
            if derived not in gone and inputs & gone:
                gone.add(derived)
                grew = True
    result: dict[str, set[str]] = {}
    for obj, name in gone:
        result.setdefault(obj, set()).add(name)
    return result
