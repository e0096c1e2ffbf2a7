"""Field-level rights: per role, a field can be HIDDEN (never returned, filtered or sorted on) or
READ_ONLY (returned, never written). Admins are never restricted. A role's rules are read once per
transaction and applied by the generic listing and write flows, so every path obeys them. Fields
computed from a hidden field (formulas, rollups) are hidden too: domain.custom knows them, and the
composition root plugs that in (plug_derived_fields, tessera/domain_wiring.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from enum import Enum
from typing import Any

from domain.errors import NotWired
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.spec import CUSTOM_FIELDS_PREFIX, RecordSpec
from tenants.context import current_tenant_id, tenant_connection, transaction_cache


class Access(str, Enum):
    HIDDEN = "HIDDEN"
    READ_ONLY = "READ_ONLY"


_CACHE_KEY = "field_access"

# {object: hidden field names} -> the same grown by the fields computed from them.
DeriveHidden = Callable[[dict[str, set[str]]], Awaitable[dict[str, set[str]]]]
_derive_hidden: DeriveHidden | None = None


def plug_derived_fields(derive: DeriveHidden) -> None:
    global _derive_hidden
    _derive_hidden = derive


async def field_rules(principal: Principal, record_type: str) -> dict[str, Access]:
    """{field name: access} of the principal's role on `record_type` (empty for admins)."""
    if principal.role is Role.ADMIN:
        return {}
    cache = transaction_cache().setdefault(_CACHE_KEY, {})
    if principal.role not in cache:
        rows = await tenant_connection().execute_query_dict(
            "SELECT object, field, access FROM field_access WHERE tenant_id = $1 AND role = $2",
            [current_tenant_id(), principal.role.value],
        )
        by_object: dict[str, dict[str, Access]] = {}
        for row in rows:
            by_object.setdefault(row["object"], {})[row["field"]] = Access(row["access"])
        if _derive_hidden is None:
            raise NotWired(
                "field rules need the fields derived from hidden ones: call tessera.domain_wiring.wire_domain()"
            )
        stated = {obj: hidden(rules) for obj, rules in by_object.items()}
        for obj, names in (await _derive_hidden(stated)).items():
            by_object.setdefault(obj, {}).update({name: Access.HIDDEN for name in names})
        cache[principal.role] = by_object
    rules: dict[str, Access] = cache[principal.role].get(record_type, {})
    return rules


def forget_field_rules() -> None:
    """After a rule changes, later reads in the same transaction see it."""
    transaction_cache().pop(_CACHE_KEY, None)


def hidden(rules: dict[str, Access]) -> set[str]:
    return {name for name, access in rules.items() if access is Access.HIDDEN}


def visible_spec(spec: RecordSpec, rules: dict[str, Access]) -> RecordSpec:
    """`spec` without the hidden fields, so filters and sorting cannot name them."""
    gone = hidden(rules)
    if not gone or not any(spec.has(name) for name in gone):
        return spec
    return replace(spec, fields=tuple(f for f in spec.fields if f.name not in gone))


def strip_hidden(
    spec: RecordSpec, rules: dict[str, Access], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows without hidden values (custom values inside JSONB columns)."""
    places = []
    for name in hidden(rules):
        if spec.has(name) and spec.field(name).json_path:
            places.append((spec.field(name).column, spec.field(name).json_path[0]))
        elif name.startswith(CUSTOM_FIELDS_PREFIX):
            places.append(("custom_fields", name[len(CUSTOM_FIELDS_PREFIX) :]))
    for row in rows:
        for column, key in places:
            if isinstance(row.get(column), dict) and key in row[column]:
                row[column] = {k: v for k, v in row[column].items() if k != key}
    return rows


def hidden_keys(spec: RecordSpec, rules: dict[str, Access], column: str | None) -> list[str]:
    """The keys of JSONB `column` that hold values hidden by `rules`."""
    return sorted(
        spec.field(name).json_path[0]
        for name in hidden(rules)
        if spec.has(name) and spec.field(name).json_path and spec.field(name).column == column
    )


def locked_names(rules: dict[str, Access], item: dict[str, Any]) -> list[str]:
    """The names in a write's input (custom fields as customFields.<name>) the role may not write."""
    names = [name for name in item if name != "custom_fields"]
    custom = item.get("custom_fields")
    # Not an object: the custom field check reports that shape, with nothing in it to lock.
    names += [CUSTOM_FIELDS_PREFIX + key for key in custom] if isinstance(custom, dict) else []
    return [name for name in names if name in rules]
