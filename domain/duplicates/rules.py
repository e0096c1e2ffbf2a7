"""Duplicate (matching) rules: per object, conditions that must all hold for two records to be
taken for the same, and what a write that makes such a pair does (ALLOW, WARN or BLOCK). Admins
define them; every tenant starts with the defaults below."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from domain.duplicates.fields import TEXT_KINDS, Matchable, matchable_fields
from domain.duplicates.normalise import KeyKind
from domain.errors import FieldError, InvalidInput
from domain.identity.roles import Role
from domain.records.rights import ALL, READ_ONLY
from domain.records.rows import decode_row
from domain.records.spec import COMMON_FIELDS, FieldSpec, Kind, RecordSpec
from tenants.context import current_tenant_id, tenant_connection

ACTIONS = ("ALLOW", "WARN", "BLOCK")
EXACT, FUZZY = "EXACT", "FUZZY"
DEFAULT_THRESHOLD = 90
MAX_CONDITIONS = 5
MAX_RULES_PER_OBJECT = 20

DUPLICATE_RULE_SPEC = RecordSpec(
    record_type="DuplicateRule",
    table="duplicate_rule",
    fields=(
        *COMMON_FIELDS,
        FieldSpec("object", "record_type", Kind.TEXT),
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("action", "action", Kind.TEXT),
        FieldSpec("conditions", "conditions", Kind.JSON),
        FieldSpec("active", "active", Kind.BOOL),
    ),
    owned=False,
    scope_area="admin",
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: READ_ONLY,
        Role.MEMBER: READ_ONLY,
        Role.AGENT: READ_ONLY,
        Role.VIEWER: READ_ONLY,
    },
)


@dataclass(frozen=True)
class Condition:
    field: str
    match: str  # EXACT or FUZZY
    threshold: int  # 0-100, FUZZY only
    kind: KeyKind
    matchable: Matchable


@dataclass(frozen=True)
class Rule:
    id: uuid.UUID
    record_type: str
    name: str
    action: str
    conditions: tuple[Condition, ...]


def _cond(field: str, match: str = EXACT, threshold: int | None = None) -> dict[str, Any]:
    return {
        "field": field,
        "match": match,
        **({"threshold": threshold} if threshold is not None else {}),
    }


# Every tenant starts with these (domain.onboarding; migration 0023 for tenants made before it).
# They WARN: a same-named company is often a real duplicate and sometimes a branch.
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {
        "object": "Customer",
        "name": "Same website domain",
        "action": "WARN",
        "conditions": [_cond("domain")],
    },
    {
        "object": "Customer",
        "name": "Same company name",
        "action": "WARN",
        "conditions": [_cond("name")],
    },
    {"object": "Contact", "name": "Same email", "action": "WARN", "conditions": [_cond("emails")]},
    {"object": "Contact", "name": "Same phone", "action": "WARN", "conditions": [_cond("phones")]},
    {"object": "Lead", "name": "Same email", "action": "WARN", "conditions": [_cond("email")]},
    {
        "object": "Lead",
        "name": "Same company and person",
        "action": "WARN",
        "conditions": [_cond("companyName"), _cond("personName")],
    },
)


async def _check_conditions(record_type: str, conditions: Any, errors: list[FieldError]) -> None:
    fields = await matchable_fields(record_type)
    if fields is None:
        return
    if not isinstance(conditions, list) or not 1 <= len(conditions) <= MAX_CONDITIONS:
        errors.append(FieldError("conditions", "INVALID_LIST", f"1 to {MAX_CONDITIONS} conditions"))
        return
    for index, condition in enumerate(conditions):
        where = f"conditions.{index}"
        if not isinstance(condition, dict) or set(condition) - {
            "field",
            "match",
            "threshold",
            "compareAs",
        }:
            errors.append(
                FieldError(
                    where,
                    "INVALID_CONDITION",
                    "{field, match: EXACT | FUZZY, threshold?, compareAs?}",
                )
            )
            continue
        field = fields.get(str(condition.get("field")))
        if field is None:
            errors.append(
                FieldError(
                    f"{where}.field",
                    "UNKNOWN_FIELD",
                    f"one of {', '.join(fields) or 'no field'} ({record_type} fields rules can compare)",
                )
            )
        if condition.get("match", EXACT) not in (EXACT, FUZZY):
            errors.append(FieldError(f"{where}.match", "INVALID_CHOICE", "EXACT or FUZZY"))
        threshold = condition.get("threshold")
        if threshold is not None and (
            condition.get("match") != FUZZY
            or not isinstance(threshold, int)
            or isinstance(threshold, bool)
            or not 50 <= threshold <= 100
        ):
            errors.append(
                FieldError(
                    f"{where}.threshold",
                    "OUT_OF_RANGE",
                    "a whole number 50-100, for FUZZY conditions",
                )
            )
        compare_as = condition.get("compareAs")
        if compare_as is not None and (
            field is None
            or field.kind is not KeyKind.TEXT
            or compare_as not in [k.value for k in TEXT_KINDS]
        ):
            errors.append(
                FieldError(
                    f"{where}.compareAs",
                    "INVALID_CHOICE",
                    f"{', '.join(k.value for k in TEXT_KINDS)}, for a text field of a custom object",
                )
            )


async def check_rule(input: dict[str, Any], *, creating: bool, record_type: str) -> dict[str, Any]:
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    if creating:
        if await matchable_fields(record_type) is None:
            errors.append(
                FieldError(
                    "object",
                    "UNKNOWN_OBJECT",
                    "Customer, Contact, Lead or a custom object's api name",
                )
            )
        values["record_type"] = record_type
    if creating or "name" in input:
        name = str(input.get("name") or "").strip()
        if not 1 <= len(name) <= 200:
            errors.append(FieldError("name", "REQUIRED", "a name of 1 to 200 characters"))
        values["name"] = name
    if creating or "action" in input:
        if input.get("action") not in ACTIONS:
            errors.append(FieldError("action", "INVALID_CHOICE", "ALLOW, WARN or BLOCK"))
        values["action"] = input.get("action")
    if creating or "conditions" in input:
        await _check_conditions(record_type, input.get("conditions"), errors)
        values["conditions"] = input.get("conditions")
    if "active" in input:
        if not isinstance(input["active"], bool):
            errors.append(FieldError("active", "REQUIRED", "true or false"))
        values["active"] = input["active"]
    if errors:
        raise InvalidInput(errors)
    return values


async def active_rules(record_type: str, *, actions: tuple[str, ...] = ACTIONS) -> list[Rule]:
    """The tenant's active rules of `record_type` with one of `actions`, oldest first (one
    indexed statement; rules are few)."""
    fields = await matchable_fields(record_type)
    if not fields:
        return []
    rows = await tenant_connection().execute_query_dict(
        "SELECT id, name, action, conditions FROM duplicate_rule WHERE tenant_id = $1 AND record_type = $2 "
        "AND active AND deleted_at IS NULL AND action = ANY($3::text[]) ORDER BY created_at, id",
        [current_tenant_id(), record_type, list(actions)],
    )
    rules = []
    for row in rows:
        conditions = tuple(
            _condition(c, fields) for c in decode_row(DUPLICATE_RULE_SPEC, row)["conditions"]
        )
        if all(
            c is not None for c in conditions
        ):  # a rule on a field since deleted compares nothing
            rules.append(Rule(row["id"], record_type, row["name"], row["action"], conditions))  # type: ignore[arg-type]
    return rules


def _condition(raw: dict[str, Any], fields: dict[str, Matchable]) -> Condition | None:
    field = fields.get(raw["field"])
    if field is None:
        return None
    kind = KeyKind(raw["compareAs"]) if raw.get("compareAs") else field.kind
    return Condition(
        raw["field"],
        raw.get("match", EXACT),
        int(raw.get("threshold") or DEFAULT_THRESHOLD),
        kind,
        field,
    )
