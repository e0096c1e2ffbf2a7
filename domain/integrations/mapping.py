"""Mappings turn a received JSON payload into a record's values:

    {"fields": {"personName": "$.contact.name", "email": "$.contact.emails[0]"},
     "constants": {"sourceChannel": "WEB_FORM"},
     "externalId": {"system": "shop", "path": "$.id"}}

Paths are `$` followed by `.key` and `[index]` steps; a path that finds nothing gives no value.
With `externalId`, the same external record updates the record it created before (an upsert)."""

from __future__ import annotations

import re
from typing import Any

from domain.errors import FieldError

_STEP = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[\"([^\"]+)\"\]")
MAX_FIELDS = 100


def check_path(path: Any) -> bool:
    if not isinstance(path, str) or not path.startswith("$"):
        return False
    rest, position = path[1:], 0
    while position < len(rest):
        match = _STEP.match(rest, position)
        if not match:
            return False
        position = match.end()
    return True


def extract(path: str, payload: Any) -> Any:
    """The value at `path`, or None if any step is missing."""
    value = payload
    for match in _STEP.finditer(path[1:]):
        key, index, quoted = match.groups()
        if index is not None:
            value = (
                value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
            )
        else:
            value = value.get(key or quoted) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def check_mapping(mapping: Any, field_names: set[str] | None) -> list[FieldError]:
    """Field errors of a mapping; `field_names` (when known) are the target object's fields."""
    if not isinstance(mapping, dict):
        return [
            FieldError(
                "mapping", "INVALID_MAPPING", "an object with fields, constants and externalId"
            )
        ]
    errors: list[FieldError] = []
    fields, constants = mapping.get("fields") or {}, mapping.get("constants") or {}
    if not isinstance(fields, dict) or not isinstance(constants, dict):
        return [FieldError("mapping", "INVALID_MAPPING", "fields and constants are objects")]
    if not fields and not constants:
        errors.append(FieldError("mapping.fields", "REQUIRED", "map at least one field"))
    if len(fields) + len(constants) > MAX_FIELDS:
        errors.append(FieldError("mapping.fields", "TOO_MANY", f"at most {MAX_FIELDS} fields"))
    for name, path in fields.items():
        if not check_path(path):
            errors.append(
                FieldError(
                    f"mapping.fields.{name}", "INVALID_PATH", "a path like $.contact.emails[0]"
                )
            )
    for name in [*fields, *constants]:
        if (
            field_names is not None
            and name not in field_names
            and not name.startswith("customFields.")
        ):
            section = "fields" if name in fields else "constants"
            errors.append(
                FieldError(
                    f"mapping.{section}.{name}", "UNKNOWN_FIELD", "a field of the target object"
                )
            )
    external = mapping.get("externalId")
    if external is not None:
        if not isinstance(external, dict) or not str(external.get("system") or "").strip():
            errors.append(
                FieldError("mapping.externalId.system", "REQUIRED", "the external system's name")
            )
        if not isinstance(external, dict) or not check_path(external.get("path")):
            errors.append(
                FieldError(
                    "mapping.externalId.path", "INVALID_PATH", "where the payload carries its id"
                )
            )
    return errors


def apply(mapping: dict[str, Any], payload: Any) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """The record's values and the external (system, id) the payload carries, if mapped."""
    values = {name: extract(path, payload) for name, path in (mapping.get("fields") or {}).items()}
    values = {name: value for name, value in values.items() if value is not None}
    values.update(mapping.get("constants") or {})
    external = mapping.get("externalId")
    if not external:
        return values, None
    found = extract(external["path"], payload)
    return values, (str(external["system"]), str(found)) if found is not None else None
