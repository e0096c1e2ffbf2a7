"""Campaign touches: a lead or a contact linked to a campaign, at a time, and how. The record write
flow calls `CampaignTouches.written` for every record created or updated (plugged in by
tessera/domain_wiring.py), so every path records them: the API, bulk writes, imports, automations,
lead conversion. Attribution (domain/reports/attribution.py) reads them.

What links a person to a campaign:
- a lead created with a campaign (CREATED) or changed to one (CHANGED); IMPORTED when an import
  job writes it;
- a converted lead's contact, to the lead's campaign (CONVERTED);
- a deal's primary contact, to the deal's campaign (DEAL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from domain.crm.contacts import CONTACT_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.errors import Forbidden
from domain.identity.principal import Principal
from domain.records.rights import Action
from domain.records.spec import RecordSpec
from domain.records.sql import Params
from domain.records.visibility import readable_sql
from tenants.context import current_tenant_id, tenant_connection
from tenants.ids import new_id


class TouchKind(str, Enum):
    CREATED = "CREATED"
    CHANGED = "CHANGED"
    IMPORTED = "IMPORTED"
    CONVERTED = "CONVERTED"
    DEAL = "DEAL"
    BACKFILLED = "BACKFILLED"


@dataclass
class Touch:
    id: uuid.UUID
    campaign_id: uuid.UUID
    record_type: str
    record_id: uuid.UUID
    touched_at: datetime
    kind: TouchKind


# Set around a job that writes records on behalf of an import, so its links say IMPORTED.
_origin: ContextVar[TouchKind | None] = ContextVar("tessera_touch_origin", default=None)


@contextmanager
def touches_as(kind: TouchKind) -> Iterator[None]:
    """Links made inside are recorded as `kind` (an import's creates and updates as IMPORTED)."""
    token = _origin.set(kind)
    try:
        yield
    finally:
        _origin.reset(token)


def _links(
    spec: RecordSpec, row: dict[str, Any], columns: set[str] | None
) -> list[tuple[uuid.UUID, str, uuid.UUID, TouchKind]]:
    """(campaign, record type, record id, kind) of the links this write makes."""

    def changed(*names: str) -> bool:
        return columns is None or any(name in columns for name in names)

    origin = _origin.get()
    links = []
    if spec.record_type == "Lead" and row.get("campaign_id") is not None:
        if changed("campaign_id"):
            kind = origin or (TouchKind.CREATED if columns is None else TouchKind.CHANGED)
            links.append((row["campaign_id"], "Lead", row["id"], kind))
        if row.get("converted_contact_id") is not None and changed("converted_contact_id"):
            links.append(
                (row["campaign_id"], "Contact", row["converted_contact_id"], TouchKind.CONVERTED)
            )
    if (
        spec.record_type == "Opportunity"
        and row.get("campaign_id") is not None
        and row.get("primary_contact_id") is not None
        and changed("campaign_id", "primary_contact_id")
    ):
        links.append((row["campaign_id"], "Contact", row["primary_contact_id"], TouchKind.DEAL))
    return links


async def record_touches(links: list[tuple[uuid.UUID, str, uuid.UUID, TouchKind]]) -> None:
    """One statement for the links of a write; at the transaction's time, once per record and
    campaign in a transaction."""
    if not links:
        return
    campaigns, types, records, kinds = (list(column) for column in zip(*links, strict=True))
    await tenant_connection().execute_query(
        "INSERT INTO campaign_touch (tenant_id, id, campaign_id, record_type, record_id, kind) "
        "SELECT $1, t.id, t.campaign_id, t.record_type, t.record_id, t.kind "
        "FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[]) "
        "AS t(id, campaign_id, record_type, record_id, kind) "
        "ON CONFLICT (tenant_id, record_id, campaign_id, touched_at) DO NOTHING",
        [
            current_tenant_id(),
            [new_id() for _ in links],
            campaigns,
            types,
            records,
            [kind.value for kind in kinds],
        ],
    )


class CampaignTouches:
    """The record write hook that records touches (domain.records.writes.WrittenHook)."""

    async def written(
        self,
        spec: RecordSpec,
        rows: list[dict[str, Any]],
        *,
        principal: Principal,
        columns: set[str] | None = None,
    ) -> None:
        if spec.record_type not in ("Lead", "Opportunity"):
            return
        await record_touches([link for row in rows for link in _links(spec, row, columns)])


async def touches_of(*, principal: Principal, record_id: uuid.UUID) -> list[Touch]:
    """The touches of one lead or contact the caller may see, oldest first; none for a record
    the caller may not see (or of another tenant)."""
    params = Params()
    tenant = params.add(current_tenant_id())
    record = params.add(record_id)
    visible = []
    for spec, record_type in ((LEAD_SPEC, "Lead"), (CONTACT_SPEC, "Contact")):
        try:
            spec.require(principal, Action.READ)
        except Forbidden:
            continue
        clauses = " AND ".join(readable_sql(principal, spec, params, "r"))
        visible.append(
            f"(t.record_type = '{record_type}' AND EXISTS (SELECT 1 FROM {spec.table} r "
            f"WHERE r.id = t.record_id AND {clauses}))"
        )
    if not visible:
        raise Forbidden("your role may read neither leads nor contacts")
    rows = await tenant_connection().execute_query_dict(
        f"SELECT t.* FROM campaign_touch t WHERE t.tenant_id = {tenant} AND t.record_id = {record} "
        f"AND ({' OR '.join(visible)}) ORDER BY t.touched_at, t.id",
        params.values,
    )
    return [
        Touch(
            r["id"],
            r["campaign_id"],
            r["record_type"],
            r["record_id"],
            r["touched_at"],
            TouchKind(r["kind"]),
        )
        for r in rows
    ]
