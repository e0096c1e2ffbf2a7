"""Relations in imported files: a column naming the related record (a lead's campaign, a contact's
or a ticket's customer, an opportunity's pipeline and stage, a team) by its id, by its name, or by
its external id in the import's external system. Names and external ids are resolved once per
batch, one query per related table and way, among the records the importer may see; a name or id
matching none, or a name matching several, is an error of the row, on the relation's field."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from domain.errors import FieldError
from domain.identity.principal import Principal
from domain.records.spec import Reference
from domain.records.sql import Params
from domain.records.visibility import owned_visibility_sql
from tenants.context import current_tenant_id, tenant_connection

# Related tables whose records have a name, with the record type their external ids are kept under.
NAMED = {
    "customer": "Customer",
    "contact": "Contact",
    "campaign": "Campaign",
    "pipeline": "Pipeline",
    "stage": "Stage",
    "team": "Team",
}
EXTERNAL = ".externalId"  # the target `customerId.externalId`: the customer's external id


@dataclass(frozen=True)
class Related:
    """How a column names related records: the reference, and whether by external id."""

    reference: Reference
    by_external_id: bool = False

    @property
    def record_type(self) -> str:
        return NAMED[self.reference.table]


def _as_id(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def resolve_relations(
    rows: list[tuple[dict[str, Any], list[FieldError]]],
    related: dict[str, Related],
    *,
    principal: Principal,
    system: str,
) -> None:
    """Replace, in each row's values, the names and external ids given for the fields in `related`
    ({field name: how}) by record ids; add an error to the row for each that names no record or,
    by name, several."""
    for name, how in related.items():
        wanted = {
            values[name]
            for values, _ in rows
            if isinstance(values.get(name), str)
            and (how.by_external_id or _as_id(values[name]) is None)
        }
        if not wanted:
            continue
        found = await (
            _by_external_id(how, wanted, system)
            if how.by_external_id
            else _by_name(how, wanted, principal)
        )
        label = how.reference.label
        for values, problems in rows:
            given = values.get(name)
            if not isinstance(given, str) or given not in wanted:
                continue
            ids = found.get(given if how.by_external_id else given.strip().lower(), [])
            if len(ids) == 1:
                values[name] = str(ids[0])
                continue
            del values[name]
            if not ids:
                way = f"with {system} id" if how.by_external_id else "named"
                problems.append(FieldError(name, "NOT_FOUND", f"no {label} {way} {given!r}"))
            else:
                problems.append(
                    FieldError(
                        name,
                        "AMBIGUOUS",
                        f"{len(ids)} {label}s are named {given!r}: give its id or external id",
                    )
                )


async def _by_name(
    how: Related, names: set[str], principal: Principal
) -> dict[str, list[uuid.UUID]]:
    """{lower-cased name: ids of the live records the principal may see with that name}."""
    ref = how.reference
    params = Params(current_tenant_id(), sorted({n.strip().lower() for n in names}))
    conditions = ["t.tenant_id = $1", "lower(t.name) = ANY($2::text[])"]
    if ref.soft_delete:
        conditions.append("t.deleted_at IS NULL")
    visible = owned_visibility_sql(principal, params) if ref.owned else None
    if visible:
        conditions.append(visible)
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.{ref.key} AS id, lower(t.name) AS name FROM {ref.table} t "
        f"WHERE {' AND '.join(conditions)}",
        params.values,
    )
    found: dict[str, list[uuid.UUID]] = {}
    for row in rows:
        found.setdefault(row["name"], []).append(row["id"])
    return found


async def _by_external_id(
    how: Related, external_ids: set[str], system: str
) -> dict[str, list[uuid.UUID]]:
    """{external id: [the record it names]} in `system` (the write flow checks that the record is
    live and visible, as for an id given directly)."""
    rows = await tenant_connection().execute_query_dict(
        "SELECT external_id, record_id FROM external_id WHERE tenant_id = $1 AND record_type = $2 "
        "AND system = $3 AND external_id = ANY($4::text[])",
        [current_tenant_id(), how.record_type, system, sorted(external_ids)],
    )
    return {row["external_id"]: [row["record_id"]] for row in rows}
