"""Admins define custom objects: create, update (versioned), deprecate, delete and restore. Every
change goes through the generic record writes, so it is versioned, audited and emitted as an event
like any record change."""

from __future__ import annotations

import re
from typing import Any

from domain.custom.metadata import ObjectDef, load_object, metadata_changed, object_from_row
from domain.custom.specs import OBJECT_SPEC
from domain.errors import InvalidInput
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.rights import Action
from domain.records.validation import Checker
from domain.records.writes import (
    check_version,
    insert_records,
    lock_record,
    set_deleted,
    update_record,
)
from tenants.context import current_tenant_id, tenant_connection

MAX_OBJECTS = 200
API_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
API_NAME_RULE = (
    "lower-case letters, digits and underscores, starting with a letter, at most 40 characters"
)


def _validate(check: Checker, obj: ObjectDef | None) -> None:
    if obj is None:
        check.text("api_name", required=True, max_length=40, pattern=API_NAME)
    check.text("label", required=True, max_length=100)
    check.text("plural_label", required=True, max_length=100)
    check.text("description", max_length=1000)
    check.boolean("searchable")
    check.boolean("deprecated")
    display = check.item.get("display_field")
    if display is not None and (
        obj is None or (shown := obj.field(display)) is None or shown.deleted
    ):
        check.error("display_field", "UNKNOWN_FIELD", f"{display!r} is not a field of this object")
    elif "display_field" in check.item:
        check.values["display_field"] = display
    if "rights" in check.item:
        _rights(check)


def _rights(check: Checker) -> None:
    """{role: [READ, CREATE, UPDATE, DELETE]} overriding the defaults; admins always keep all."""
    rights = check.item["rights"]
    if rights is None:
        check.values["rights"] = None
        return
    try:
        parsed = {
            Role(role).value: sorted({Action(a.lower()).value for a in actions})
            for role, actions in rights.items()
        }
    except (ValueError, AttributeError, TypeError):
        check.error(
            "rights",
            "INVALID_RIGHTS",
            "rights map roles (admin, manager, member, agent, viewer) to lists of "
            "READ, CREATE, UPDATE, DELETE",
        )
        return
    parsed[Role.ADMIN.value] = sorted(a.value for a in Action)
    check.values["rights"] = parsed


async def create_object(*, principal: Principal, input: dict[str, Any]) -> ObjectDef:
    """A new object with no fields yet; its api name can never change."""
    OBJECT_SPEC.require(principal, Action.CREATE)
    check = Checker(OBJECT_SPEC, input, creating=True)
    _validate(check, None)
    if check.errors:
        raise InvalidInput(check.errors)
    count = await tenant_connection().execute_query_dict(
        "SELECT count(*) AS n FROM custom_object WHERE tenant_id = $1", [current_tenant_id()]
    )
    if count[0]["n"] >= MAX_OBJECTS:
        raise InvalidInput.single(
            "api_name",
            "LIMIT_REACHED",
            f"a tenant has at most {MAX_OBJECTS} objects (deleted ones count until purged)",
        )
    taken = await tenant_connection().execute_query_dict(
        "SELECT 1 FROM custom_object WHERE tenant_id = $1 AND api_name = $2",
        [current_tenant_id(), check.values["api_name"]],
    )
    if taken:
        raise InvalidInput.single(
            "api_name", "TAKEN", "another object (possibly deleted) has this api name"
        )
    row = (await insert_records(OBJECT_SPEC, [check.values], principal=principal))[0]
    await metadata_changed()
    return object_from_row(row)


async def update_object(
    *, principal: Principal, api_name: str, version: int, input: dict[str, Any]
) -> ObjectDef:
    """Change labels, description, display field, search, deprecation or rights."""
    OBJECT_SPEC.require(principal, Action.UPDATE)
    obj = await load_object(api_name)
    row = await lock_record(OBJECT_SPEC, obj.id, principal=principal)
    check_version(OBJECT_SPEC, row, version)
    check = Checker(OBJECT_SPEC, input, creating=False)
    _validate(check, obj)
    if check.errors:
        raise InvalidInput(check.errors)
    updated = await update_record(OBJECT_SPEC, row, check.values, principal=principal)
    await metadata_changed()
    return object_from_row(updated, obj.fields)


async def delete_object(*, principal: Principal, api_name: str, version: int | None) -> ObjectDef:
    """Hide the object and its records; the data stays until purged, so a restore undoes it."""
    OBJECT_SPEC.require(principal, Action.DELETE)
    obj = await load_object(api_name)
    row = await lock_record(OBJECT_SPEC, obj.id, principal=principal)
    check_version(OBJECT_SPEC, row, version)
    deleted = await set_deleted(OBJECT_SPEC, row, deleted=True, principal=principal)
    await metadata_changed()
    return object_from_row(deleted, obj.fields)


async def restore_object(*, principal: Principal, api_name: str) -> ObjectDef:
    OBJECT_SPEC.require(principal, Action.DELETE)
    obj = await load_object(api_name, include_deleted=True)
    row = await lock_record(OBJECT_SPEC, obj.id, principal=principal, deleted=True)
    restored = await set_deleted(OBJECT_SPEC, row, deleted=False, principal=principal)
    await metadata_changed()
    return object_from_row(restored, obj.fields)
