"""Leads and their conversion into a customer, a contact and optionally an opportunity."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, cast

from domain.crm.campaigns import CHANNELS
from domain.crm.contacts import CONTACT_SPEC, create_contacts
from domain.crm.customers import CUSTOMER_SPEC, advance_lifecycle, create_customers
from domain.crm.lifecycle import LIFECYCLE_STAGES, converted_customer_stage, converted_stage
from domain.crm.opportunities import create_opportunities
from domain.crm.rows import LeadRow
from domain.errors import Conflict, FieldError, InvalidInput
from domain.identity.principal import Principal
from domain.identity.roles import Role
from domain.records import service
from domain.records.listing import get_records
from domain.records.rights import ALL, READ_ONLY, READ_WRITE, Action
from domain.records.spec import (
    COMMON_FIELDS,
    OWNERSHIP_FIELDS,
    FieldSpec,
    Kind,
    RecordSpec,
    Reference,
)
from domain.records.validation import Checker
from domain.records.writes import lock_record, update_record

STATUSES = frozenset({"NEW", "WORKING", "NURTURING", "QUALIFIED", "DISQUALIFIED", "CONVERTED"})

LEAD_SPEC = RecordSpec(
    record_type="Lead",
    table="lead",
    fields=(
        *COMMON_FIELDS,
        *OWNERSHIP_FIELDS,
        FieldSpec("person_name", "person_name", Kind.TEXT, sortable=True),
        FieldSpec("company_name", "company_name", Kind.TEXT, sortable=True),
        FieldSpec("email", "email", Kind.TEXT),
        FieldSpec("phone", "phone", Kind.TEXT),
        FieldSpec("source_channel", "source_channel", Kind.TEXT, sortable=True),
        FieldSpec(
            "campaign_id",
            "campaign_id",
            Kind.UUID,
            references=Reference("campaign", label="campaign"),
        ),
        FieldSpec("region", "region", Kind.TEXT, sortable=True),
        FieldSpec("industry", "industry", Kind.TEXT, sortable=True),
        FieldSpec("lifecycle_stage", "lifecycle_stage", Kind.TEXT, sortable=True),
        FieldSpec("status", "status", Kind.TEXT, sortable=True),
        FieldSpec("score", "score", Kind.INT, sortable=True),
        FieldSpec("last_activity_at", "last_activity_at", Kind.DATETIME, sortable=True),
        FieldSpec("converted_at", "converted_at", Kind.DATETIME, sortable=True),
        FieldSpec("converted_customer_id", "converted_customer_id", Kind.UUID),
        FieldSpec("converted_contact_id", "converted_contact_id", Kind.UUID),
        FieldSpec("converted_opportunity_id", "converted_opportunity_id", Kind.UUID),
        FieldSpec("converted_customer_linked", "converted_customer_linked", Kind.BOOL),
        FieldSpec("converted_contact_linked", "converted_contact_linked", Kind.BOOL),
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


def validate_lead(check: Checker) -> None:
    check.text("person_name", max_length=200)
    check.text("company_name", max_length=300)
    check.email("email")
    check.phone("phone")
    check.text("source_channel", choices=CHANNELS)
    check.text("region", max_length=100)
    check.text("industry", max_length=100)
    check.text("lifecycle_stage", choices=frozenset(LIFECYCLE_STAGES))
    check.text("status", choices=STATUSES - {"CONVERTED"})  # only convertLead converts
    check.integer("score", minimum=0, maximum=1000)
    for name in ("campaign_id", "owner_id", "team_id"):
        check.reference(name)
    if check.creating and not (check.item.get("person_name") or check.item.get("company_name")):
        check.error("person_name", "REQUIRED", "a lead needs a person name or a company name")


async def create_leads(
    *, principal: Principal, items: list[dict[str, Any]], bulk: bool = False
) -> list[LeadRow]:
    return cast(
        "list[LeadRow]",
        await service.create(
            LEAD_SPEC, items, principal=principal, validate=validate_lead, bulk=bulk
        ),
    )


async def update_leads(
    *, principal: Principal, changes: list[service.Change], bulk: bool = False
) -> list[LeadRow]:
    return cast(
        "list[LeadRow]",
        await service.update(
            LEAD_SPEC, changes, principal=principal, validate=validate_lead, bulk=bulk
        ),
    )


async def convert_lead(
    *,
    principal: Principal,
    lead_id: uuid.UUID,
    customer_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    create_opportunity: bool = False,
    opportunity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Turn a lead into a customer (new, or `customer_id`), a contact (new, or `contact_id`) and optionally an opportunity
    carrying the lead's campaign and channel. Atomic: it runs in the caller's transaction and any
    failure leaves nothing behind. Converting twice is a CONFLICT. The lead becomes SQL (OPPORTUNITY
    with a deal) and its customer moves as far, never beyond OPPORTUNITY: only a won deal makes a
    CUSTOMER (domain/crm/lifecycle.py)."""
    LEAD_SPEC.require(principal, Action.UPDATE)
    lead = await lock_record(LEAD_SPEC, lead_id, principal=principal)
    if lead["status"] == "CONVERTED":
        raise Conflict("This lead was converted already")
    owner = {"owner_id": lead["owner_id"], "team_id": lead["team_id"]}
    with_deal = bool(create_opportunity or opportunity)
    customer_stage = converted_customer_stage(lead["lifecycle_stage"], with_deal=with_deal)
    customer_linked = customer_id is not None
    if customer_id is not None:
        if not await get_records(CUSTOMER_SPEC, [customer_id], principal=principal):
            raise InvalidInput.single("customer_id", "NOT_FOUND", "no such customer")
        await advance_lifecycle(customer_id=customer_id, stage=customer_stage, principal=principal)
    else:
        customer = (
            await create_customers(
                principal=principal,
                items=[
                    {
                        "name": lead["company_name"] or lead["person_name"],
                        "region": lead["region"],
                        "industry": lead["industry"],
                        "lifecycle_stage": customer_stage,
                        **owner,
                    }
                ],
            )
        )[0]
        customer_id = customer["id"]
    if contact_id is not None:
        if not await get_records(CONTACT_SPEC, [contact_id], principal=principal):
            raise InvalidInput.single("contact_id", "NOT_FOUND", "no such contact")
        contact: Mapping[str, Any] = {"id": contact_id}
    else:
        contact = (
            await create_contacts(
                principal=principal,
                items=[
                    {
                        "name": lead["person_name"] or lead["company_name"],
                        "customer_id": customer_id,
                        "emails": [lead["email"]] if lead["email"] else [],
                        "phones": [lead["phone"]] if lead["phone"] else [],
                        **owner,
                    }
                ],
            )
        )[0]
    opportunity_id = None
    if with_deal:
        values = {
            "name": f"{lead['company_name'] or lead['person_name']}",
            "customer_id": customer_id,
            "primary_contact_id": contact["id"],
            "campaign_id": lead["campaign_id"],
            "channel": lead["source_channel"],
            **owner,
            **(opportunity or {}),
        }
        try:
            opportunity_id = (await create_opportunities(principal=principal, items=[values]))[0][
                "id"
            ]
        except InvalidInput as exc:
            raise InvalidInput(
                [FieldError(f"opportunity.{e.field}", e.code, e.message) for e in exc.field_errors]
            ) from exc
    return await update_record(
        LEAD_SPEC,
        lead,
        {
            "status": "CONVERTED",
            "lifecycle_stage": converted_stage(lead["lifecycle_stage"], with_deal=with_deal),
            "converted_at": datetime.now(timezone.utc),
            "converted_customer_id": customer_id,
            "converted_contact_id": contact["id"],
            "converted_opportunity_id": opportunity_id,
            "converted_customer_linked": customer_linked,
            "converted_contact_linked": contact_id is not None,
        },
        principal=principal,
        action="converted",
    )
