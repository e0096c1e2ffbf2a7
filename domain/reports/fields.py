"""What a report may group by and measure on one object: its fields as the caller may see them
(hidden fields, and fields computed from hidden ones, do not exist for it), each with the SQL of
its value, its value type, and for references the SQL of the label that names the group.

A dotted name (`customer.tier`, `customer.customFields.size`) reads a field of the record a
relation points at, one level deep, through a LEFT JOIN that only matches a related record the
caller may see: a record it may not see counts as "no value", never as its hidden value."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from domain.crm.activities import ACTIVITY_SPEC
from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.pipelines import PIPELINE_SPEC, STAGE_SPEC
from domain.crm.teams import TEAM_SPEC
from domain.custom.fieldtypes import FieldDef, FieldType
from domain.custom.metadata import (
    STANDARD_OBJECTS,
    ObjectDef,
    load_object,
    load_standard_fields,
    record_spec,
    standard_spec,
)
from domain.errors import Forbidden, NotFound
from domain.identity.principal import Principal
from domain.records.field_access import field_rules, hidden, visible_spec
from domain.records.naming import domain_name
from domain.records.rights import Action
from domain.records.spec import CUSTOM_FIELDS_PREFIX, FieldSpec, Kind, RecordSpec
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from tenants.context import current_tenant_id

# Standard objects a report can be run on, by type name (custom objects by api name).
REPORTABLE: dict[str, RecordSpec] = {
    **STANDARD_OBJECTS,
    "Campaign": CAMPAIGN_SPEC,
    "Activity": ACTIVITY_SPEC,
}
# Tables a reference may point at: their spec, and the field that names a row.
_TARGETS: dict[str, tuple[RecordSpec, str]] = {
    "customer": (STANDARD_OBJECTS["Customer"], "name"),
    "contact": (STANDARD_OBJECTS["Contact"], "name"),
    "lead": (STANDARD_OBJECTS["Lead"], "person_name"),
    "opportunity": (STANDARD_OBJECTS["Opportunity"], "name"),
    "ticket": (STANDARD_OBJECTS["Ticket"], "subject"),
    "campaign": (CAMPAIGN_SPEC, "name"),
    "pipeline": (PIPELINE_SPEC, "name"),
    "stage": (STAGE_SPEC, "name"),
    "team": (TEAM_SPEC, "name"),
}
_USER_COLUMNS = {"owner_id", "created_by", "updated_by", "assignee_id", "manager_id"}
MAX_JOINS = 3


class ValueType(str, Enum):
    TEXT = "TEXT"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    DATE = "DATE"
    DATETIME = "DATETIME"
    ID = "ID"


@dataclass(frozen=True)
class ReportField:
    name: str
    sql: str  # the value's expression (table alias `t`, joined records `r0`, `r1`...)
    type: ValueType
    id_type: str | None = (
        None  # the global id type of an ID value (Customer, User, CustomRecord...)
    )
    label: Label | CustomLabel | None = None  # how a group of this value is named


@dataclass(frozen=True)
class Label:
    """The SQL naming a referenced row: `table`'s `column` (an expression over alias `x`), only
    when the caller may see the row; None when the name is hidden from it."""

    spec: RecordSpec | None  # None: members of the tenant (users)
    column: str | None
    scope: dict[str, Any] = field(default_factory=dict)

    def sql(self, key: str, principal: Principal, params: Params) -> str:
        if self.column is None:
            return "NULL::text"
        if self.spec is None:
            return (
                f"(SELECT coalesce(nullif(u.name, ''), u.email) FROM membership m JOIN app_user u ON u.id = m.user_id "
                f"WHERE m.tenant_id = {params.add(current_tenant_id())} AND m.user_id = {key})"
            )
        where = readable_sql(principal, self.spec, params, alias="x")
        where += [f"x.{column} = {params.add(value)}" for column, value in self.scope.items()]
        return f"(SELECT {self.column}::text FROM {self.spec.table} x WHERE x.id = {key} AND {' AND '.join(where)})"


@dataclass
class Source:
    """One object as the caller may report on it."""

    record_type: str
    spec: RecordSpec  # with the object's custom fields, hidden ones removed
    scope: dict[str, Any]  # columns pinned for every row (a custom object's id)
    custom: dict[str, FieldDef]  # custom field definitions by the name reports use
    obj: ObjectDef | None
    principal: Principal
    params: Params
    joins: dict[str, str] = field(
        default_factory=dict
    )  # relation name -> its LEFT JOIN (alias r0, r1...)

    async def resolve(self, name: str) -> ReportField | None:
        """The field called `name` (dotted: a related record's field), or None if the caller has
        none. Reports are the client's documents: `name` as GraphQL spells fields (`stageId`,
        `customer.lifecycleStage`, `customFields.vat`), kept as the result's name."""
        found = await self._resolve(domain_name(name))
        return None if found is None else replace(found, name=name)

    async def _resolve(self, name: str) -> ReportField | None:
        if "." in name and not name.startswith(CUSTOM_FIELDS_PREFIX):
            relation, rest = name.split(".", 1)
            return await self._related(relation, rest, name)
        return _own_field(self.spec, self.custom, name, "t")

    async def _related(self, relation: str, rest: str, name: str) -> ReportField | None:
        target = await _relation_target(self, relation)
        if target is None:
            return None
        key_sql, target_source = target
        known = list(self.joins)
        if relation not in known and len(known) >= MAX_JOINS:
            return None
        alias = f"r{known.index(relation) if relation in known else len(known)}"
        inner = _own_field(target_source.spec, target_source.custom, rest, alias)
        if inner is None:
            return None
        if relation not in self.joins:
            conditions = readable_sql(self.principal, target_source.spec, self.params, alias)
            conditions += [
                f"{alias}.{column} = {self.params.add(value)}"
                for column, value in target_source.scope.items()
            ]
            self.joins[relation] = (
                f"LEFT JOIN {target_source.spec.table} {alias} ON {alias}.id = {key_sql} "
                f"AND {' AND '.join(conditions)}"
            )
        return ReportField(name, inner.sql, inner.type, inner.id_type, inner.label)


async def load_source(record_type: str, principal: Principal, params: Params) -> Source:
    """The object called `record_type` for `principal` (Forbidden if it may not read it)."""
    if record_type in REPORTABLE:
        custom_defs = (
            await load_standard_fields(record_type) if record_type in STANDARD_OBJECTS else ()
        )
        spec = (
            standard_spec(record_type, custom_defs)
            if record_type in STANDARD_OBJECTS
            else REPORTABLE[record_type]
        )
        obj, scope = None, {}
        custom = {CUSTOM_FIELDS_PREFIX + f.api_name: f for f in custom_defs if not f.deleted}
    else:
        obj = await load_object(record_type)
        spec, scope = record_spec(obj), {"object_id": obj.id}
        custom = {f.api_name: f for f in obj.fields if not f.deleted}
    spec.require(principal, Action.READ)
    rules = await field_rules(principal, spec.record_type)
    gone = hidden(rules)
    return Source(
        record_type,
        visible_spec(spec, rules),
        scope,
        {k: v for k, v in custom.items() if k not in gone},
        obj,
        principal,
        params,
    )


async def _relation_target(source: Source, relation: str) -> tuple[str, Source] | None:
    """(SQL of the related id, the related object) for a relation name: `customer` for a standard
    `customer_id`, or a custom RELATION field's api name."""
    id_name = relation + "_id"
    if (
        source.spec.has(id_name)
        and (reference := source.spec.field(id_name).references) is not None
    ):
        table = reference.table
        target = next((name for name, spec in REPORTABLE.items() if spec.table == table), None)
        if target is None:
            return None
        return f"t.{source.spec.field(id_name).column}", await load_source(
            target, source.principal, source.params
        )
    defined = source.custom.get(relation)
    if defined is None or defined.type is not FieldType.RELATION:
        return None
    try:
        target_source = await load_source(
            str(defined.setting("target")), source.principal, source.params
        )
    except NotFound:
        return None
    own = _own_field(source.spec, source.custom, relation, "t")
    return (own.sql, target_source) if own is not None else None


def _own_field(
    spec: RecordSpec, custom: dict[str, FieldDef], name: str, alias: str
) -> ReportField | None:
    if not spec.has(name) or not spec.field(name).filterable:
        return None
    field_spec = spec.field(name)
    defined = custom.get(name)
    if defined is not None:
        return _custom_field(field_spec, defined, alias)
    return _standard_field(spec, field_spec, alias)


def _custom_field(field_spec: FieldSpec, defined: FieldDef, alias: str) -> ReportField | None:
    value = field_spec.sql(alias)
    name = field_spec.name
    kind = defined.kind
    if defined.type is FieldType.DATE:
        return ReportField(name, f"({value})::date", ValueType.DATE)
    if defined.type is FieldType.DATETIME:
        return ReportField(name, f"({value})::timestamptz", ValueType.DATETIME)
    if defined.type is FieldType.USER:
        return ReportField(name, f"({value})::uuid", ValueType.ID, "User", Label(None, "name"))
    if defined.type is FieldType.RELATION:
        target = str(defined.setting("target"))
        if target in STANDARD_OBJECTS:
            spec = STANDARD_OBJECTS[target]
            label_field = next(f for f in spec.fields if f.name == _TARGETS[spec.table][1])
            return ReportField(
                name, f"({value})::uuid", ValueType.ID, target, Label(spec, label_field.column)
            )
        return ReportField(
            name, f"({value})::uuid", ValueType.ID, "CustomRecord", CustomLabel(target)
        )
    if kind is Kind.DECIMAL:
        return ReportField(name, value, ValueType.NUMBER)
    if kind is Kind.BOOL:
        return ReportField(name, value, ValueType.BOOLEAN)
    if kind is Kind.TEXT:
        return ReportField(name, value, ValueType.TEXT)
    return None  # lists and JSON values are neither groups nor measures


def _standard_field(spec: RecordSpec, field_spec: FieldSpec, alias: str) -> ReportField | None:
    value = field_spec.sql(alias)
    kind, name = field_spec.kind, field_spec.name
    simple = {
        Kind.TEXT: ValueType.TEXT,
        Kind.INT: ValueType.NUMBER,
        Kind.DECIMAL: ValueType.NUMBER,
        Kind.BOOL: ValueType.BOOLEAN,
        Kind.DATE: ValueType.DATE,
        Kind.DATETIME: ValueType.DATETIME,
    }
    if kind in simple:
        return ReportField(name, value, simple[kind])
    if kind is not Kind.UUID:
        return None
    reference = field_spec.references
    if name in _USER_COLUMNS or (reference is not None and reference.table == "membership"):
        return ReportField(name, value, ValueType.ID, "User", Label(None, "name"))
    if reference is not None and reference.table in _TARGETS:
        target_spec, label_name = _TARGETS[reference.table]
        label_column = target_spec.field(label_name).column
        return ReportField(
            name, value, ValueType.ID, target_spec.record_type, Label(target_spec, label_column)
        )
    if name == "id":
        return ReportField(
            name,
            value,
            ValueType.ID,
            spec.record_type if spec.table != "custom_record" else "CustomRecord",
        )
    return None


async def usable_label(label: Label | CustomLabel, principal: Principal) -> Label:
    """The label as the caller may read it: no name when the naming field is hidden from it or
    it may not read the target object at all."""
    if isinstance(label, CustomLabel):
        return await label.resolve(principal)
    if label.spec is None or label.column is None:
        return label
    try:
        label.spec.require(principal, Action.READ)
    except Forbidden:
        return Label(label.spec, None)
    if label.spec.name_of(label.column) in hidden(
        await field_rules(principal, label.spec.record_type)
    ):
        return Label(label.spec, None)
    return label


@dataclass(frozen=True)
class CustomLabel:
    """The display field of a custom object's record, unless it is hidden from the caller."""

    object_name: str

    async def resolve(self, principal: Principal) -> Label:
        try:
            obj = await load_object(self.object_name)
        except NotFound:
            return Label(None, None)
        spec = record_spec(obj)
        try:
            spec.require(principal, Action.READ)
        except Forbidden:
            return Label(spec, None)
        gone = hidden(await field_rules(principal, obj.api_name))
        if not obj.display_field or obj.display_field in gone:
            return Label(record_spec(obj), None)
        return Label(
            record_spec(obj), f"(x.data #>> '{{{obj.display_field}}}')", {"object_id": obj.id}
        )
