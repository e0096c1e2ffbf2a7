"""Customers (accounts): the companies a tenant sells to and serves."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any, cast

from domain.crm.lifecycle import LIFECYCLE_STAGES, stages_from
from domain.crm.rows import CustomerRow
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.rights import ALL, READ_ONLY, READ_WRITE
from domain.records.rows import decode_row
from domain.records.spec import COMMON_FIELDS, OWNERSHIP_FIELDS, FieldSpec, Kind, RecordSpec
from domain.records.validation import Checker
from domain.records.writes import update_record
from tenants.context import current_tenant_id, tenant_connection

ADDRESS_KEYS = frozenset({"street", "city", "state", "postalCode", "country"})
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I)
_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.I)

CUSTOMER_SPEC = RecordSpec(
    record_type="Customer",
    table="customer",
    fields=(
        *COMMON_FIELDS,
        *OWNERSHIP_FIELDS,
        FieldSpec("name", "name", Kind.TEXT, sortable=True),
        FieldSpec("website", "website", Kind.TEXT),
        FieldSpec("domain", "domain", Kind.TEXT, sortable=True),
        FieldSpec("industry", "industry", Kind.TEXT, sortable=True),
        FieldSpec("size", "size", Kind.TEXT),
        FieldSpec("region", "region", Kind.TEXT, sortable=True),
        FieldSpec("address", "address", Kind.JSON),
        FieldSpec("tier", "tier", Kind.TEXT, sortable=True),
        FieldSpec("credit_rating", "credit_rating", Kind.TEXT),
        FieldSpec("lifecycle_stage", "lifecycle_stage", Kind.TEXT, sortable=True),
        FieldSpec("external_ids", "external_ids", Kind.JSON),
        FieldSpec("lifetime_value", "lifetime_value", Kind.DECIMAL, sortable=True),
        FieldSpec("last_order_at", "last_order_at", Kind.DATETIME, sortable=True),
        FieldSpec("custom_fields", "custom_fields", Kind.JSON),
    ),
    searchable=True,
    rights={
        Role.ADMIN: ALL,
        Role.MANAGER: ALL,
        Role.MEMBER: READ_WRITE,
        Role.AGENT: READ_ONLY,
        Role.VIEWER: READ_ONLY,
    },
)


def validate_customer(check: Checker) -> None:
    check.text("name", required=True, max_length=300)
    check.text("website", max_length=500, pattern=_URL)
    check.text("domain", max_length=253, pattern=_DOMAIN)
    for name in ("industry", "size", "region", "tier", "credit_rating"):
        check.text(name, max_length=100)
    check.text("lifecycle_stage", choices=frozenset(LIFECYCLE_STAGES))
    check.json_object("address", allowed_keys=ADDRESS_KEYS)
    # Written by integrations (the ERP sync, upserts): the GraphQL inputs do not offer them.
    check.decimal("lifetime_value", minimum=Decimal("0"))
    check.datetime("last_order_at")
    check.reference("owner_id")
    check.reference("team_id")


async def create_customers(
    *, principal: Principal, items: list[dict[str, Any]], bulk: bool = False
) -> list[CustomerRow]:
    """Create customers; the creator owns them unless `ownerId` says otherwise."""
    return cast(
        "list[CustomerRow]",
        await service.create(
            CUSTOMER_SPEC, items, principal=principal, validate=validate_customer, bulk=bulk
        ),
    )


async def update_customers(
    *, principal: Principal, changes: list[service.Change], bulk: bool = False
) -> list[CustomerRow]:
    """Change customers, each against the version the caller last saw."""
    return cast(
        "list[CustomerRow]",
        await service.update(
            CUSTOMER_SPEC, changes, principal=principal, validate=validate_customer, bulk=bulk
        ),
    )


async def advance_lifecycle(*, customer_id: uuid.UUID, stage: str, principal: Principal) -> None:
    """Move a customer forward to `stage` (never back) as the consequence of a change the principal
    was allowed to make, such as winning a deal, whether or not the customer is visible to them.
    The change is versioned, audited and an event like any other."""
    # Only a customer that has to move is locked: most deals belong to customers that are there already.
    rows = await tenant_connection().execute_query_dict(
        "SELECT * FROM customer WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL "
        "AND (lifecycle_stage IS NULL OR lifecycle_stage <> ALL($3::text[])) FOR UPDATE",
        [current_tenant_id(), customer_id, list(stages_from(stage))],
    )
    if rows:
        await update_record(
            CUSTOMER_SPEC,
            decode_row(CUSTOMER_SPEC, rows[0]),
            {"lifecycle_stage": stage},
            principal=principal,
        )
