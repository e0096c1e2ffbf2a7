"""Admins define fields on custom objects and standard ones: create, update (versioned), reorder,
deprecate, delete and restore. A field's settings are checked when it is saved, so every later
write can trust them: options, relation targets, formulas, defaults and validation rules."""

from __future__ import annotations

import json
import uuid
from typing import Any

from domain.custom import formula
from domain.custom.fieldtypes import (
    COMPUTED,
    FILE_TYPES,
    FieldDef,
    FieldType,
    FormulaResult,
    Invalid,
    parse,
)
from domain.custom.files import check_file_settings
from domain.custom.linkage import check_fill_ids, check_linkage_settings
from domain.custom.metadata import (
    STANDARD_OBJECTS,
    ObjectDef,
    field_from_row,
    load_object,
    load_standard_fields,
    metadata_changed,
    values_table,
)
from domain.custom.objects import API_NAME, API_NAME_RULE
from domain.custom.patterns import pattern_problem
from domain.custom.rollups import backfill_rollup, check_rollup
from domain.custom.specs import FIELD_SPEC
from domain.custom.values import compute_formulas
from domain.errors import FieldError, InvalidInput, NotFound
from domain.identity.principal import Principal
from domain.records.currencies import CURRENCY_MESSAGE, is_currency
from domain.records.rights import Action
from domain.records.writes import (
    check_version,
    insert_records,
    lock_record,
    set_deleted,
    update_record,
)
from tenants.context import current_tenant_id, tenant_connection

MAX_FIELDS = 100
MAX_OPTIONS = 200
# Names the API uses itself on every record.
RESERVED = frozenset({"id", "version", "object", "values", "owner", "team"})
# Type changes that keep every stored value valid.
SAFE_CHANGES = {
    (FieldType.TEXT, FieldType.LONG_TEXT),
    (FieldType.LONG_TEXT, FieldType.RICH_TEXT),
    (FieldType.TEXT, FieldType.RICH_TEXT),
    (FieldType.INTEGER, FieldType.DECIMAL),
    (FieldType.SINGLE_SELECT, FieldType.TEXT),
    (FieldType.EMAIL, FieldType.TEXT),
    (FieldType.URL, FieldType.TEXT),
    (FieldType.PHONE, FieldType.TEXT),
    (FieldType.RATING, FieldType.INTEGER),
}
BACKFILL_BATCH = 1000


class _Owner:
    """The object a field belongs to: a custom object or a standard type."""

    def __init__(
        self, obj: ObjectDef | None, standard: str | None, fields: tuple[FieldDef, ...]
    ) -> None:
        self.obj, self.standard, self.fields = obj, standard, fields

    @property
    def columns(self) -> dict[str, Any]:
        return {"object_id": self.obj.id} if self.obj else {"standard_object": self.standard}

    @property
    def table(self) -> tuple[str, str, list[Any]]:
        """(table, JSONB column, extra condition) holding this owner's records' values."""
        table, column = values_table(self.obj.id if self.obj else None, self.standard)
        return table, column, [self.obj.id] if self.obj else []


async def _owner(object_name: str) -> _Owner:
    if object_name in STANDARD_OBJECTS:
        return _Owner(None, object_name, await load_standard_fields(object_name))
    obj = await load_object(object_name)
    return _Owner(obj, None, obj.fields)


async def _target_exists(target: str) -> bool:
    if target in STANDARD_OBJECTS:
        return True
    rows = await tenant_connection().execute_query_dict(
        "SELECT 1 FROM custom_object WHERE tenant_id = $1 AND api_name = $2 AND deleted_at IS NULL",
        [current_tenant_id(), target],
    )
    return bool(rows)


def _check_settings(
    field: FieldDef, siblings: tuple[FieldDef, ...], errors: list[FieldError]
) -> dict[str, Any]:
    """The type's settings, normalised; problems go to `errors` as config.<key>."""
    config = dict(field.config or {})
    t = field.type
    if t in (FieldType.SINGLE_SELECT, FieldType.MULTI_SELECT):
        options = config.get("options")
        if not isinstance(options, list) or not 1 <= len(options) <= MAX_OPTIONS:
            errors.append(
                FieldError(
                    "config.options", "INVALID_OPTIONS", f"between 1 and {MAX_OPTIONS} options"
                )
            )
        elif len(set(map(str, options))) != len(options) or any(
            not str(o).strip() or len(str(o)) > 100 for o in options
        ):
            errors.append(
                FieldError(
                    "config.options",
                    "INVALID_OPTIONS",
                    "options must be distinct, non-empty, at most 100 characters",
                )
            )
        else:
            config["options"] = [str(o).strip() for o in options]
    if t is FieldType.RATING:
        _int_setting(config, "max", 5, 1, 10, errors)
    if t in (FieldType.DECIMAL, FieldType.CURRENCY, FieldType.PERCENT, FieldType.ROLLUP) or (
        t is FieldType.FORMULA and config.get("resultType", "NUMBER") == "NUMBER"
    ):
        _int_setting(config, "decimalPlaces", 2, 0, 8, errors)
    if (
        t is FieldType.CURRENCY
        and config.get("currency") is not None
        and not is_currency(config["currency"])
    ):
        errors.append(FieldError("config.currency", "INVALID_CURRENCY", CURRENCY_MESSAGE))
    if t is FieldType.AUTO_NUMBER:
        _int_setting(config, "digits", 4, 1, 12, errors)
        if len(str(config.get("prefix", ""))) > 20:
            errors.append(
                FieldError("config.prefix", "TOO_LONG", "a prefix has at most 20 characters")
            )
    if t is FieldType.FORMULA:
        _check_formula(field, config, siblings, errors)
    if t in FILE_TYPES:
        check_file_settings(config, errors)
    if t is FieldType.RELATION and not isinstance(config.get("target"), str):
        errors.append(
            FieldError(
                "config.target",
                "REQUIRED",
                "a relation needs a target object (e.g. Customer or an api name)",
            )
        )
    return config


def _int_setting(
    config: dict[str, Any], key: str, default: int, low: int, high: int, errors: list[FieldError]
) -> None:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append(
            FieldError(
                f"config.{key}",
                "OUT_OF_RANGE",
                f"{key} must be a whole number from {low} to {high}",
            )
        )
    else:
        config[key] = value


def _check_formula(
    field: FieldDef,
    config: dict[str, Any],
    siblings: tuple[FieldDef, ...],
    errors: list[FieldError],
) -> None:
    try:
        FormulaResult(config.get("resultType", "NUMBER"))
    except ValueError:
        errors.append(
            FieldError("config.resultType", "INVALID_CHOICE", "NUMBER, TEXT, BOOLEAN or DATE")
        )
    try:
        tree = formula.parse(str(config.get("expression", "")))
    except formula.FormulaError as exc:
        errors.append(FieldError("config.expression", "INVALID_FORMULA", str(exc)))
        return
    # Formulas read stored inputs only: not other formulas (no cycles) and not rollups (which change
    # when children change, without a write of this record to recompute the formula).
    usable = {
        f.api_name
        for f in siblings
        if not f.deleted
        and f.type not in (FieldType.FORMULA, FieldType.ROLLUP)
        and f.api_name != field.api_name
    }
    unknown = sorted(formula.fields_used(tree) - usable)
    if unknown:
        errors.append(
            FieldError(
                "config.expression",
                "UNKNOWN_FIELD",
                f"unknown, formula or rollup fields: {', '.join(unknown)}",
            )
        )


def _check_rules(validation: dict[str, Any] | None, errors: list[FieldError]) -> dict[str, Any]:
    rules = dict(validation or {})
    allowed = {"min", "max", "minLength", "maxLength", "pattern", "message"}
    for key in sorted(set(rules) - allowed):
        errors.append(
            FieldError(
                f"validation.{key}", "UNKNOWN_RULE", f"rules are {', '.join(sorted(allowed))}"
            )
        )
    for key in ("min", "max"):
        if rules.get(key) is not None and (
            isinstance(rules[key], bool) or not isinstance(rules[key], (int, float, str))
        ):
            errors.append(
                FieldError(f"validation.{key}", "INVALID_NUMBER", f"{key} must be a number")
            )
    for key in ("minLength", "maxLength"):
        if rules.get(key) is not None and (
            isinstance(rules[key], bool) or not isinstance(rules[key], int) or rules[key] < 0
        ):
            errors.append(
                FieldError(f"validation.{key}", "INVALID_NUMBER", f"{key} must be a whole number")
            )
    pattern = rules.get("pattern")
    problem = None if pattern is None else pattern_problem(str(pattern))
    if problem:
        errors.append(
            FieldError(
                "validation.pattern",
                "INVALID_PATTERN",
                f"not a usable regular expression (RE2 syntax): {problem}",
            )
        )
    if rules.get("message") is not None and len(str(rules["message"])) > 200:
        errors.append(FieldError("validation.message", "TOO_LONG", "at most 200 characters"))
    return rules


def _definition(input: dict[str, Any], base: FieldDef | None) -> tuple[FieldDef, list[FieldError]]:
    """A FieldDef from API input (over `base` when updating), with the input's shape errors."""
    errors: list[FieldError] = []
    data = {} if base is None else dict(base.__dict__)
    if base is None:
        name = input.get("api_name") or ""
        if not API_NAME.match(name):
            errors.append(FieldError("api_name", "INVALID_FORMAT", f"api_name: {API_NAME_RULE}"))
        elif name in RESERVED:
            errors.append(FieldError("api_name", "RESERVED", f"{name} is reserved"))
        data.update(id=uuid.uuid4(), api_name=name)
    for key, attr in (
        ("label", "label"),
        ("help_text", "help_text"),
        ("required", "required"),
        ("unique", "unique"),
        ("read_only", "read_only"),
        ("default_value", "default"),
        ("config", "config"),
        ("validation", "validation"),
        ("deprecated", "deprecated"),
        ("type", "type"),
    ):
        if key in input:
            data[attr] = input[key]
    label = data.get("label")
    if not isinstance(label, str) or not 1 <= len(label.strip()) <= 100:
        errors.append(FieldError("label", "REQUIRED", "a label of 1 to 100 characters"))
    if data.get("help_text") is not None and len(str(data["help_text"])) > 500:
        errors.append(FieldError("help_text", "TOO_LONG", "at most 500 characters"))
    try:
        data["type"] = FieldType(data.get("type"))
    except ValueError:
        errors.append(
            FieldError("type", "INVALID_CHOICE", f"one of {', '.join(t.value for t in FieldType)}")
        )
        data["type"] = FieldType.TEXT
    data.setdefault("id", uuid.uuid4())
    data.setdefault("api_name", "")
    for flag in ("required", "unique", "read_only", "deprecated"):
        data[flag] = bool(data.get(flag))
    fields = {k: v for k, v in data.items() if k in FieldDef.__dataclass_fields__}
    return FieldDef(**fields), errors


def _check_definition(
    field: FieldDef, siblings: tuple[FieldDef, ...], errors: list[FieldError]
) -> FieldDef:
    config = _check_settings(field, siblings, errors)
    rules = _check_rules(field.validation, errors)
    field = FieldDef(**{**field.__dict__, "config": config, "validation": rules})
    check_linkage_settings(field, siblings, errors)
    if field.type in COMPUTED and (
        field.required
        or field.default is not None
        or (field.unique and field.type is FieldType.FORMULA)
    ):
        errors.append(
            FieldError(
                "type",
                "NOT_ALLOWED",
                f"{field.type.value} fields are computed: no default, required or unique",
            )
        )
    if field.unique and field.default is not None:
        errors.append(
            FieldError("default_value", "NOT_ALLOWED", "a unique field cannot have a default")
        )
    if field.type in FILE_TYPES and field.default is not None:
        errors.append(
            FieldError("defaultValue", "NOT_ALLOWED", "a file field cannot have a default")
        )
    if field.unique and field.type in (
        FieldType.FILE,
        FieldType.IMAGE,
        FieldType.JSON,
        FieldType.ADDRESS,
        FieldType.MULTI_SELECT,
        FieldType.BOOLEAN,
    ):
        errors.append(
            FieldError("unique", "NOT_ALLOWED", f"{field.type.value} fields cannot be unique")
        )
    if field.default is not None and field.type not in COMPUTED and not errors:
        try:
            field = FieldDef(**{**field.__dict__, "default": parse(field, field.default)})
        except Invalid as exc:
            errors.append(FieldError("default_value", exc.code, str(exc)))
    return field


def _columns(field: FieldDef) -> dict[str, Any]:
    return {
        "label": field.label.strip(),
        "field_type": field.type.value,
        "required": field.required,
        "is_unique": field.unique,
        "read_only": field.read_only,
        "default_value": field.default,
        "help_text": field.help_text,
        "config": field.config or {},
        "validation": field.validation or {},
        "deprecated": field.deprecated,
    }


async def create_field(
    *, principal: Principal, object_name: str, input: dict[str, Any]
) -> FieldDef:
    """Add a field; existing records get its default (a required field without one is refused
    while records exist), and formulas are computed for them at once."""
    FIELD_SPEC.require(principal, Action.CREATE)
    owner = await _owner(object_name)
    field, errors = _definition(input, None)
    if not errors:
        field = _check_definition(field, owner.fields, errors)
    if not errors:
        await check_fill_ids(field, owner.fields, errors)
    if (
        field.type is FieldType.RELATION
        and not errors
        and not await _target_exists(field.setting("target"))
    ):
        errors.append(
            FieldError("config.target", "NOT_FOUND", f"no object named {field.setting('target')!r}")
        )
    if field.type is FieldType.ROLLUP and not errors:
        await check_rollup(field, object_name, errors)
    if any(f.api_name == field.api_name for f in owner.fields):
        errors.append(
            FieldError(
                "api_name",
                "TAKEN",
                "the object already has a field (possibly deleted) with this api name",
            )
        )
    if len(owner.fields) >= MAX_FIELDS:
        errors.append(
            FieldError(
                "api_name",
                "LIMIT_REACHED",
                f"an object has at most {MAX_FIELDS} fields (deleted ones count until purged)",
            )
        )
    if errors:
        raise InvalidInput(errors)
    if field.required and field.default is None and await _has_records(owner):
        raise InvalidInput.single(
            "required",
            "REQUIRES_DEFAULT",
            "records exist: give a required field a default for them, or make it optional",
        )
    values = {
        **owner.columns,
        "api_name": field.api_name,
        "position": len(owner.fields),
        **_columns(field),
    }
    row = (await insert_records(FIELD_SPEC, [values], principal=principal))[0]
    await metadata_changed()
    created = field_from_row(row)
    await _backfill(owner, created, (*owner.fields, created))
    if created.type is FieldType.ROLLUP:
        await backfill_rollup(created, owner.obj.id if owner.obj else None, owner.standard)
    return created


async def update_field(
    *, principal: Principal, field_id: uuid.UUID, version: int, input: dict[str, Any]
) -> FieldDef:
    """Change a field's label, help, flags, default, settings, rules, or its type where stored
    values convert safely."""
    FIELD_SPEC.require(principal, Action.UPDATE)
    row = await lock_record(FIELD_SPEC, field_id, principal=principal)
    check_version(FIELD_SPEC, row, version)
    current = field_from_row(row)
    owner = await _owner_of(row)
    field, errors = _definition(input, current)
    if field.type is not current.type and (current.type, field.type) not in SAFE_CHANGES:
        errors.append(
            FieldError(
                "type",
                "UNSAFE_CHANGE",
                f"values of a {current.type.value} field do not all convert to "
                f"{field.type.value}; create a new field and copy the data instead",
            )
        )
    if field.unique and not current.unique:
        errors.append(
            FieldError("unique", "NOT_ALLOWED", "uniqueness is chosen when a field is created")
        )
    if not errors:
        field = _check_definition(field, owner.fields, errors)
    if not errors:
        await check_fill_ids(field, owner.fields, errors)
    if field.type is FieldType.ROLLUP and not errors:
        owner_name = owner.obj.api_name if owner.obj else owner.standard
        assert owner_name is not None  # a field belongs to a custom object or to a standard one
        await check_rollup(field, owner_name, errors)
    if errors:
        raise InvalidInput(errors)
    if (
        field.required
        and not current.required
        and field.default is None
        and await _has_records(owner)
    ):
        raise InvalidInput.single(
            "required",
            "REQUIRES_DEFAULT",
            "records exist: give a required field a default for them, or keep it optional",
        )
    updated = field_from_row(
        await update_record(FIELD_SPEC, row, _columns(field), principal=principal)
    )
    await metadata_changed()
    if updated.type is FieldType.FORMULA or (updated.required and not current.required):
        await _backfill(
            owner, updated, tuple(updated if f.id == updated.id else f for f in owner.fields)
        )
    if updated.type is FieldType.ROLLUP:
        await backfill_rollup(updated, owner.obj.id if owner.obj else None, owner.standard)
    return updated


async def delete_field(
    *, principal: Principal, field_id: uuid.UUID, version: int | None
) -> FieldDef:
    """Hide the field; stored values stay until purged, so a restore brings them back."""
    FIELD_SPEC.require(principal, Action.DELETE)
    row = await lock_record(FIELD_SPEC, field_id, principal=principal)
    check_version(FIELD_SPEC, row, version)
    owner = await _owner_of(row)
    used_by = [
        f.api_name
        for f in owner.fields
        if f.type is FieldType.FORMULA
        and not f.deleted
        and row["api_name"] in formula.fields_used(formula.parse(f.setting("expression", "")))
    ]
    if owner.obj is not None:
        used_by += await _rollups_reading(owner.obj.api_name, row["api_name"])
    if used_by:
        raise InvalidInput.single(
            "id", "IN_USE", f"formulas or rollups use this field: {', '.join(used_by)}"
        )
    deleted = field_from_row(await set_deleted(FIELD_SPEC, row, deleted=True, principal=principal))
    await metadata_changed()
    return deleted


async def restore_field(*, principal: Principal, field_id: uuid.UUID) -> FieldDef:
    FIELD_SPEC.require(principal, Action.DELETE)
    row = await lock_record(FIELD_SPEC, field_id, principal=principal, deleted=True)
    restored = field_from_row(
        await set_deleted(FIELD_SPEC, row, deleted=False, principal=principal)
    )
    await metadata_changed()
    return restored


async def reorder_fields(
    *, principal: Principal, object_name: str, api_names: list[str]
) -> tuple[FieldDef, ...]:
    """Set the display order: the listed fields first, in that order, then the rest."""
    FIELD_SPEC.require(principal, Action.UPDATE)
    owner = await _owner(object_name)
    known = {f.api_name: f for f in owner.fields}
    unknown = [name for name in api_names if name not in known]
    if unknown:
        raise InvalidInput.single(
            "api_names", "UNKNOWN_FIELD", f"not fields of {object_name}: {', '.join(unknown)}"
        )
    ordered = [known[name] for name in dict.fromkeys(api_names)] + [
        f for f in owner.fields if f.api_name not in api_names
    ]
    for position, field in enumerate(ordered):
        if field.position != position:
            row = await lock_record(
                FIELD_SPEC, field.id, principal=principal, deleted=field.deleted
            )
            await update_record(FIELD_SPEC, row, {"position": position}, principal=principal)
    await metadata_changed()
    return (await _owner(object_name)).fields


async def _rollups_reading(object_name: str, field_name: str) -> list[str]:
    """Rollups (on any object) that aggregate this field or relate through it."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT api_name FROM custom_field WHERE tenant_id = $1 AND field_type = 'ROLLUP' AND deleted_at IS NULL "
        "AND config->>'childObject' = $2 AND $3 IN (config->>'relationField', config->>'field')",
        [current_tenant_id(), object_name, field_name],
    )
    return [row["api_name"] for row in rows]


async def _owner_of(row: dict[str, Any]) -> _Owner:
    if row["standard_object"] is not None:
        return await _owner(row["standard_object"])
    rows = await tenant_connection().execute_query_dict(
        "SELECT api_name FROM custom_object WHERE tenant_id = $1 AND id = $2",
        [current_tenant_id(), row["object_id"]],
    )
    if not rows:
        raise NotFound("field not found")
    return await _owner(rows[0]["api_name"])


async def _has_records(owner: _Owner) -> bool:
    table, _, extra = owner.table
    where = "tenant_id = $1 AND deleted_at IS NULL" + (" AND object_id = $2" if extra else "")
    rows = await tenant_connection().execute_query_dict(
        f"SELECT 1 FROM {table} WHERE {where} LIMIT 1", [current_tenant_id(), *extra]
    )
    return bool(rows)


async def _backfill(owner: _Owner, field: FieldDef, fields: tuple[FieldDef, ...]) -> None:
    """Give existing records the new field's default, or its formula's value, in this
    transaction (batches of BACKFILL_BATCH rows), so filters never see a half-migrated object."""
    table, column, extra = owner.table
    conn = tenant_connection()
    scope = " AND object_id = $2" if extra else ""
    if field.default is not None and field.type not in COMPUTED:
        await conn.execute_query(
            f"UPDATE {table} SET {column} = jsonb_set({column}, ARRAY[${len(extra) + 2}], ${len(extra) + 3}::jsonb) "
            f"WHERE tenant_id = $1{scope} AND NOT {column} ? ${len(extra) + 2}",
            [current_tenant_id(), *extra, field.api_name, json.dumps(field.default)],
        )
    if field.type is not FieldType.FORMULA:
        return
    last = uuid.UUID(int=0)
    while True:
        rows = await conn.execute_query_dict(
            f"SELECT id, {column} AS data FROM {table} WHERE tenant_id = $1{scope} AND id > ${len(extra) + 2} "
            f"ORDER BY id LIMIT {BACKFILL_BATCH}",
            [current_tenant_id(), *extra, last],
        )
        if not rows:
            return
        ids, datas = [], []
        for row in rows:
            data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
            ids.append(row["id"])
            datas.append(json.dumps(compute_formulas(fields, data)))
        await conn.execute_query(
            f"UPDATE {table} t SET {column} = v.data::jsonb FROM unnest($2::uuid[], $3::text[]) AS v(id, data) "
            "WHERE t.tenant_id = $1 AND t.id = v.id",
            [current_tenant_id(), ids, datas],
        )
        last = rows[-1]["id"]
