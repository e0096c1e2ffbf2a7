"""Field linkage (the form engine's dependent fields), enforced on every write, not only in forms:

- a dependent picklist: select field B declares `dependsOn: "a"` and `optionsByValue: {"East":
  ["Shanghai", "Hangzhou"], ...}`; B's value must be among the options listed for A's value (none
  when A is empty or its value is not listed);
- fills: select field A declares `fills: {"Shanghai": {"sales_region": "East China", "teamId":
  "<team>"}}`; when a write sets A to that value, the listed fields (and the record's team or
  owner) take those values unless the same write sets them itself.

Both are checked when the field is saved (options, targets and values must be valid)."""

from __future__ import annotations

from typing import Any

from domain.custom.fieldtypes import FieldDef, FieldType, Invalid, parse
from domain.custom.relations import check_relations
from domain.errors import FieldError
from domain.records.service import check_named_ids
from domain.records.spec import MEMBER, TEAM

SELECTS = (FieldType.SINGLE_SELECT, FieldType.MULTI_SELECT)
# Built-in fields a fill may set, and their columns.
COLUMN_TARGETS = {"teamId": "team_id", "ownerId": "owner_id"}
COLUMN_REFERENCES = {"teamId": TEAM, "ownerId": MEMBER}


def check_linkage_settings(
    field: FieldDef, siblings: tuple[FieldDef, ...], errors: list[FieldError]
) -> None:
    """Errors (config.dependsOn / config.optionsByValue / config.fills) for bad linkage settings."""
    live = {f.api_name: f for f in siblings if not f.deleted and f.api_name != field.api_name}
    controlling_name = field.setting("dependsOn")
    if controlling_name is not None:
        controlling = live.get(controlling_name)
        by_value = field.setting("optionsByValue")
        if field.type not in SELECTS:
            errors.append(
                FieldError(
                    "config.dependsOn",
                    "NOT_ALLOWED",
                    "only select fields can depend on another field",
                )
            )
        elif controlling is None or controlling.type is not FieldType.SINGLE_SELECT:
            errors.append(
                FieldError(
                    "config.dependsOn",
                    "UNKNOWN_FIELD",
                    "dependsOn must name a single select field of this object",
                )
            )
        elif not isinstance(by_value, dict) or not set(by_value) <= set(
            controlling.setting("options", [])
        ):
            errors.append(
                FieldError(
                    "config.optionsByValue",
                    "INVALID_OPTIONS",
                    f"keys must be options of {controlling_name}",
                )
            )
        elif any(
            not isinstance(v, list) or not set(v) <= set(field.setting("options", []))
            for v in by_value.values()
        ):
            errors.append(
                FieldError(
                    "config.optionsByValue",
                    "INVALID_OPTIONS",
                    "values must be lists of this field's options",
                )
            )
    fills = field.setting("fills")
    if fills is None:
        return
    if (
        field.type is not FieldType.SINGLE_SELECT
        or not isinstance(fills, dict)
        or not set(fills) <= set(field.setting("options", []))
    ):
        errors.append(
            FieldError(
                "config.fills",
                "INVALID_FILLS",
                "fills belong to a single select field, keyed by its options",
            )
        )
        return
    for option, targets in fills.items():
        if not isinstance(targets, dict):
            errors.append(
                FieldError(
                    f"config.fills.{option}", "INVALID_FILLS", "each option fills {field: value}"
                )
            )
            continue
        for target, value in targets.items():
            where = f"config.fills.{option}.{target}"
            if target in COLUMN_TARGETS:
                continue  # a team or user id: see check_fill_ids
            sibling = live.get(target)
            if sibling is None or sibling.computed:
                errors.append(
                    FieldError(
                        where, "UNKNOWN_FIELD", f"{target} is not a writable field of this object"
                    )
                )
                continue
            try:
                targets[target] = parse(sibling, value)
            except Invalid as exc:
                errors.append(FieldError(where, exc.code, str(exc)))


async def check_fill_ids(
    field: FieldDef, siblings: tuple[FieldDef, ...], errors: list[FieldError]
) -> None:
    """Errors (config.fills.<option>.<target>) for teams, owners and related records that well-formed
    fills name but that do not exist in this tenant; resolved when the field is saved, in the
    tenant's transaction, so another tenant's id is not found."""
    fills = field.setting("fills")
    if not isinstance(fills, dict) or any(e.field.startswith("config.fills") for e in errors):
        return
    live = tuple(f for f in siblings if not f.deleted and f.api_name != field.api_name)
    filled = [(option, targets) for option, targets in fills.items() if isinstance(targets, dict)]
    named = [
        (f"config.fills.{option}.{target}", COLUMN_REFERENCES[target], value)
        for option, targets in filled
        for target, value in targets.items()
        if target in COLUMN_REFERENCES and value is not None
    ]
    errors += await check_named_ids(named)
    errors += await check_relations(
        live, [(f"config.fills.{option}.", targets) for option, targets in filled]
    )


def apply_linkage(
    fields: tuple[FieldDef, ...],
    given: dict[str, Any],
    values: dict[str, Any],
    prefix: str,
) -> tuple[dict[str, Any], dict[str, Any], list[FieldError]]:
    """(values with fills applied, {column: value} fills of built-in fields, dependent-field errors)."""
    live = [f for f in fields if not f.deleted]
    result, columns = dict(values), {}
    changed = set(given)
    for field in live:
        fills = field.setting("fills")
        if not fills or field.api_name not in given:
            continue
        for target, value in (fills.get(str(result.get(field.api_name))) or {}).items():
            if target in COLUMN_TARGETS:
                columns[COLUMN_TARGETS[target]] = value
            elif target not in given:
                result[target] = value
                changed.add(target)
    errors = []
    for field in live:
        controlling = field.setting("dependsOn")
        if (
            controlling is None
            or not (changed & {controlling, field.api_name})
            or result.get(field.api_name) in (None, [])
        ):
            continue
        allowed = set((field.setting("optionsByValue") or {}).get(str(result.get(controlling)), []))
        chosen = (
            result[field.api_name]
            if isinstance(result[field.api_name], list)
            else [result[field.api_name]]
        )
        if not set(chosen) <= allowed:
            # Neither the controlling value nor the options it allows are named: the controlling
            # field may be hidden from the writer, and the allowed options would give its value away.
            errors.append(
                FieldError(
                    prefix + field.api_name,
                    "NOT_ALLOWED",
                    f"this {field.api_name} is not allowed with the record's current {controlling}",
                )
            )
    return result, columns, errors
