"""Conditions on a related record, one level deep: `customer.tier` on an opportunity compares the
tier of the customer its `customerId` points at; on a custom record, `account.region` follows its
`account` relation field. Names are checked when a rule is saved; the related records are read
only when a rule's conditions name them."""

from __future__ import annotations

import uuid
from typing import Any

from domain.automation.targets import STANDARD, field_names, record_values
from domain.custom.fieldtypes import FieldType
from domain.custom.metadata import load_object
from domain.errors import FieldError, NotFound
from domain.records.naming import CLIENT_CUSTOM_FIELDS_PREFIX, client_name, domain_name
from domain.records.spec import MEMBER, TEAM, Reference

_TYPE_OF_TABLE = {spec.table: record_type for record_type, (spec, _) in STANDARD.items()}


def related_names(tree: Any) -> set[str]:
    """The `relation.field` names a condition tree compares."""
    if not isinstance(tree, dict):
        return set()
    if "all" in tree or "any" in tree:
        parts = tree.get("all", tree.get("any"))
        return set().union(*(related_names(p) for p in parts)) if isinstance(parts, list) else set()
    if "not" in tree:
        return related_names(tree["not"])
    name = tree.get("field")
    return (
        {name}
        if isinstance(name, str)
        and "." in name
        and not name.startswith(CLIENT_CUSTOM_FIELDS_PREFIX)
        else set()
    )


async def relation_target(record_type: str, relation: str) -> tuple[str, str] | None:
    """(the related record's type, the field of `record_type` holding its id), or None."""
    if record_type in STANDARD:
        spec = STANDARD[record_type][0]
        for column in spec.fields:
            if (
                column.name == f"{domain_name(relation)}_id"
                and column.references
                and column.references.table in _TYPE_OF_TABLE
            ):
                return _TYPE_OF_TABLE[column.references.table], client_name(column.name)
        return None
    field = (await load_object(record_type)).field(relation)
    if field is None or field.deleted or field.type is not FieldType.RELATION:
        return None
    return str(field.setting("target")), relation


async def id_reference(record_type: str, name: str) -> Reference | None:
    """What an id-valued field of the type points at (`ownerId`, `customerId`, `id`, a relation or
    user field of a custom object, `customer.id` one level through a relation); None for others."""
    if "." in name and not name.startswith(CLIENT_CUSTOM_FIELDS_PREFIX):
        relation, rest = name.split(".", 1)
        target = await relation_target(record_type, relation)
        return None if target is None or "." in rest else await id_reference(target[0], rest)
    if record_type in STANDARD:
        spec = STANDARD[record_type][0]
        if name == "id":
            return Reference(spec.table, label=record_type)
        name = domain_name(name)
        return spec.field(name).references if spec.has(name) else None
    try:
        obj = await load_object(record_type)
    except NotFound:
        return None
    builtin = {
        "id": Reference("custom_record", label=obj.api_name),
        "ownerId": MEMBER,
        "teamId": TEAM,
    }
    if name in builtin:
        return builtin[name]
    field = obj.field(name)
    if field is None or field.deleted or field.type not in (FieldType.USER, FieldType.RELATION):
        return None
    target_type = str(field.setting("target"))
    if field.type is FieldType.USER:
        return MEMBER
    if target_type in STANDARD:
        return Reference(STANDARD[target_type][0].table, label=target_type)
    return Reference("custom_record", label=target_type)


async def check_related(record_type: str, tree: Any, errors: list[FieldError]) -> None:
    """Field errors for `relation.field` names that follow no relation or name no field there."""
    for name in sorted(related_names(tree)):
        relation, field = name.split(".", 1)
        target = await relation_target(record_type, relation)
        if target is None:
            errors.append(
                FieldError(
                    "conditions",
                    "UNKNOWN_RELATION",
                    f"{name}: {record_type} has no relation {relation}",
                )
            )
        elif not await _has_field(target[0], field):
            errors.append(
                FieldError(
                    "conditions", "UNKNOWN_FIELD", f"{name}: {target[0]} has no field {field}"
                )
            )


async def _has_field(record_type: str, field: str) -> bool:
    return field.startswith(CLIENT_CUSTOM_FIELDS_PREFIX) or field in (
        await field_names(record_type) or set()
    )


async def with_related(record_type: str, values: dict[str, Any], tree: Any) -> dict[str, Any]:
    """The record's values plus `relation.field` entries for the related names the tree compares
    (None where the relation is empty or its record is gone)."""
    names = related_names(tree)
    if not names:
        return values
    merged = dict(values)
    for relation in sorted({name.split(".", 1)[0] for name in names}):
        target = await relation_target(record_type, relation)
        related_id = values.get(target[1]) if target else None
        related = None
        if target and related_id:
            try:
                related = await record_values(target[0], uuid.UUID(str(related_id)))
            except (
                NotFound,
                ValueError,
            ):  # its object was deleted since the rule was saved, or a bad id
                related = None
        for name in names:
            if name.startswith(relation + "."):
                field = name.split(".", 1)[1]
                merged[name] = (
                    None if related is None or related.get("deleted") else related.get(field)
                )
    return merged
