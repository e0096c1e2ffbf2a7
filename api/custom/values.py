"""Custom values between the API and the domain: relation, user, file and image values are Relay
global ids outside and UUIDs inside."""

from __future__ import annotations

import uuid
from typing import Any

from api.records.ids import decode_id, encode_id
from domain.custom.fieldtypes import FILE_TYPES, FieldDef, FieldType
from domain.custom.metadata import STANDARD_OBJECTS
from domain.errors import InvalidInput

CUSTOM_RECORD = "CustomRecord"
# The global id type of each built-in reference field of a custom record.
BUILT_IN_ID_TYPES = {
    "id": CUSTOM_RECORD,
    "ownerId": "User",
    "teamId": "Team",
    "createdBy": "User",
    "updatedBy": "User",
}


ATTACHMENT = "Attachment"
ID_VALUED = frozenset({FieldType.RELATION, FieldType.USER, *FILE_TYPES})


def id_type(field: FieldDef) -> str:
    """The global id type of what a relation, user, file or image field points at."""
    if field.type is FieldType.USER:
        return "User"
    if field.type in FILE_TYPES:
        return ATTACHMENT
    target = field.setting("target")
    return target if target in STANDARD_OBJECTS else CUSTOM_RECORD


def values_in(fields: tuple[FieldDef, ...], given: Any, *, prefix: str) -> Any:
    """API values with global ids turned into UUIDs; a wrong id is a field error."""
    if not isinstance(given, dict):
        return given
    by_name = {f.api_name: f for f in fields}
    result, errors = dict(given), []
    for name, value in given.items():
        field = by_name.get(name)
        if field is None or field.type not in ID_VALUED or value is None:
            continue
        try:
            result[name] = str(decode_id(str(value), expected=id_type(field), field=prefix + name))
        except InvalidInput as exc:
            errors += exc.field_errors
    if errors:
        raise InvalidInput(errors)
    return result


def values_out(fields: tuple[FieldDef, ...], data: dict[str, Any]) -> dict[str, Any]:
    """Stored values as the API shows them: live fields only, references as global ids."""
    shown = {}
    for field in fields:
        if field.deleted or field.api_name not in data:
            continue
        value = data[field.api_name]
        if field.type in ID_VALUED and value is not None:
            value = str(encode_id(id_type(field), uuid.UUID(value)))
        shown[field.api_name] = value
    return shown


_FILL_ID_TYPES = {"teamId": "Team", "ownerId": "User"}


def fills_in(config: Any) -> Any:
    """A field's config with the team and owner ids of its fills turned into UUIDs."""
    for option, targets in _fills(config):
        for key, expected in _FILL_ID_TYPES.items():
            if targets.get(key) is not None:
                targets[key] = str(
                    decode_id(
                        str(targets[key]), expected=expected, field=f"config.fills.{option}.{key}"
                    )
                )
    return config


def fills_out(config: dict[str, Any]) -> dict[str, Any]:
    """A field's config as the API shows it: fill ids as global ids."""
    shown = (
        {**config, "fills": {option: dict(targets) for option, targets in _fills(config)}}
        if _fills(config)
        else config
    )
    for _, targets in _fills(shown):
        for key, type_name in _FILL_ID_TYPES.items():
            if targets.get(key) is not None:
                targets[key] = str(encode_id(type_name, uuid.UUID(str(targets[key]))))
    return shown


def _fills(config: Any) -> list[tuple[str, dict[str, Any]]]:
    fills = config.get("fills") if isinstance(config, dict) else None
    return (
        [(o, t) for o, t in fills.items() if isinstance(t, dict)] if isinstance(fills, dict) else []
    )
