"""Converting a lead without making a second customer or contact: before convert_lead creates
them, the tenant's duplicate rules look for an existing customer (by the name the new one would
get) and contact (by the lead's person name, email and phone) that the converter may see, and
the conversion links those instead. The lead says what was linked (convertedCustomerLinked,
convertedContactLinked)."""

from __future__ import annotations

import uuid
from typing import Any

from domain.crm import leads
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.duplicates.checks import duplicates_for_values
from domain.identity.principal import Principal
from domain.records.listing import get_records
from domain.records.writes import lock_record


async def convert_lead(
    *,
    principal: Principal,
    lead_id: uuid.UUID,
    customer_id: uuid.UUID | None = None,
    create_opportunity: bool = False,
    opportunity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """leads.convert_lead, linking the customer and contact the rules match (best match first;
    a contact of the linked customer before others). Atomic, like leads.convert_lead."""
    lead = await lock_record(LEAD_SPEC, lead_id, principal=principal)
    if customer_id is None and lead["status"] != "CONVERTED":
        customers = await duplicates_for_values(
            "Customer", {"name": lead["company_name"] or lead["person_name"]}, principal=principal
        )
        customer_id = customers[0].record_id if customers else None
    contact_id = None
    if lead["status"] != "CONVERTED":
        contact_id = await _contact(lead, customer_id, principal)
    return await leads.convert_lead(
        principal=principal,
        lead_id=lead_id,
        customer_id=customer_id,
        contact_id=contact_id,
        create_opportunity=create_opportunity,
        opportunity=opportunity,
    )


async def _contact(
    lead: dict[str, Any], customer_id: uuid.UUID | None, principal: Principal
) -> uuid.UUID | None:
    matches = await duplicates_for_values(
        "Contact",
        {
            "name": lead["person_name"] or lead["company_name"],
            "emails": [lead["email"]] if lead["email"] else [],
            "phones": [lead["phone"]] if lead["phone"] else [],
        },
        principal=principal,
    )
    if not matches:
        return None
    ids = list(dict.fromkeys(m.record_id for m in matches))
    rows = await get_records(CONTACT_SPEC, ids, principal=principal)
    # A contact already at the customer the lead joins is the likelier same person.
    ids.sort(key=lambda i: customer_id is None or rows.get(i, {}).get("customer_id") != customer_id)
    return ids[0]
