"""Tags: free labels on customers, contacts (and later leads, opportunities, tickets), created on
first use and matched case-insensitively."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from domain.errors import FieldError, InvalidInput
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records.audit import record_events
from domain.records.listing import Listing, list_records
from domain.records.rights import ALL, READ_CREATE, READ_ONLY, Action, require
from domain.records.rows import group_rows
from domain.records.spec import FieldSpec, Kind, RecordSpec
from domain.records.writes import lock_record
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id

MAX_TAG_LENGTH = 50
MAX_TAGS_PER_CALL = 20

TAG_RIGHTS = {
    Role.ADMIN: ALL,
    Role.MANAGER: ALL,
    Role.MEMBER: READ_CREATE,
    Role.AGENT: READ_CREATE,
    Role.VIEWER: READ_ONLY,
}


def _names(names: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(name.strip() for name in names))
    errors = [
        FieldError(f"names.{index}", "LENGTH", f"a tag has 1-{MAX_TAG_LENGTH} characters")
        for index, name in enumerate(cleaned)
        if not 1 <= len(name) <= MAX_TAG_LENGTH
    ]
    if len(cleaned) > MAX_TAGS_PER_CALL:
        errors.append(FieldError("names", "TOO_MANY", f"at most {MAX_TAGS_PER_CALL} tags per call"))
    if errors:
        raise InvalidInput(errors)
    return cleaned


async def change_tags(
    spec: RecordSpec,
    record_id: uuid.UUID,
    *,
    principal: Principal,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> list[str]:
    """Add and/or remove tags on a record the caller may update; returns the record's tags."""
    spec.require(principal, Action.UPDATE)
    if add:
        require(principal, "Tag", "crm", TAG_RIGHTS, Action.CREATE)
    add, remove = _names(list(add)), _names(list(remove))
    row = await lock_record(spec, record_id, principal=principal)
    before = (await tags_of(spec, [record_id]))[record_id]
    conn = tenant_connection()
    tenant = current_tenant_id()
    if add:
        await conn.execute_query(
            "INSERT INTO tag (tenant_id, id, name) SELECT $1, gen_id, name "
            "FROM unnest($2::uuid[], $3::text[]) AS n(gen_id, name) ON CONFLICT DO NOTHING",
            [tenant, [new_id() for _ in add], add],
        )
        await conn.execute_query(
            "INSERT INTO record_tag (tenant_id, record_type, record_id, tag_id) "
            "SELECT $1, $2, $3, id FROM tag WHERE tenant_id = $1 AND lower(name) = ANY($4::text[]) "
            "ON CONFLICT DO NOTHING",
            [tenant, spec.record_type, row["id"], [name.lower() for name in add]],
        )
    if remove:
        await conn.execute_query(
            "DELETE FROM record_tag rt USING tag t WHERE rt.tenant_id = $1 AND rt.record_type = $2 "
            "AND rt.record_id = $3 AND t.tenant_id = rt.tenant_id AND t.id = rt.tag_id "
            "AND lower(t.name) = ANY($4::text[])",
            [tenant, spec.record_type, row["id"], [name.lower() for name in remove]],
        )
    after = (await tags_of(spec, [record_id]))[record_id]
    if after != before:
        await record_events(
            spec,
            [(row["id"], "tags_changed", {"tags": (before, after)})],
            actor_id=principal.user_id,
        )
    return after


async def tags_of(spec: RecordSpec, record_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Tag names of each record, alphabetically, in one query."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT rt.record_id, t.name FROM record_tag rt JOIN tag t ON t.tenant_id = rt.tenant_id AND t.id = rt.tag_id "
        "WHERE rt.tenant_id = $1 AND rt.record_type = $2 AND rt.record_id = ANY($3::uuid[]) ORDER BY lower(t.name)",
        [current_tenant_id(), spec.record_type, record_ids],
    )
    return group_rows(rows, "record_id", record_ids, lambda row: row["name"])


TAG_SPEC = RecordSpec(
    record_type="Tag",
    table="tag",
    fields=(
        FieldSpec("id", "id", Kind.UUID),
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("color", "color", Kind.TEXT),
        FieldSpec("created_at", "created_at", Kind.DATETIME, sortable=True),
    ),
    owned=False,
    soft_delete=False,
    default_sort="name",
    rights=TAG_RIGHTS,
)


async def page_tags(
    *,
    principal: Principal,
    first: int,
    after: str | None = None,
    before: str | None = None,
    backward: bool = False,
) -> Listing:
    """A page of the tenant's tags by name, each with how many records carry it (`usage`)."""
    listing = await list_records(
        TAG_SPEC, principal=principal, first=first, after=after, before=before, backward=backward
    )
    usage = {
        row["id"]: row["usage"] for row in await _tags_with_usage([r["id"] for r in listing.rows])
    }
    for row in listing.rows:
        row["usage"] = usage.get(row["id"], 0)
    return listing


async def tags_by_ids(
    ids: list[uuid.UUID], *, principal: Principal
) -> dict[uuid.UUID, dict[str, Any]]:
    """The tags among `ids`, by id, with how many records carry each."""
    require(principal, "Tag", "crm", TAG_RIGHTS, Action.READ)
    return {row["id"]: row for row in await _tags_with_usage(ids)}


async def _tags_with_usage(ids: list[uuid.UUID] | None) -> list[dict[str, Any]]:
    return await tenant_connection().execute_query_dict(
        "SELECT t.id, t.name, t.color, count(rt.record_id) AS usage FROM tag t "
        "LEFT JOIN record_tag rt ON rt.tenant_id = t.tenant_id AND rt.tag_id = t.id "
        "WHERE t.tenant_id = $1 AND ($2::uuid[] IS NULL OR t.id = ANY($2::uuid[])) "
        "GROUP BY t.id, t.name, t.color ORDER BY lower(t.name), t.id",
        [current_tenant_id(), ids],
    )
