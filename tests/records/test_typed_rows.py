"""The typed rows of the CRM's standard records (domain/crm/rows.py) stay equal to their specs: a
column added to a spec without its row type (or the other way round) fails here."""

from __future__ import annotations

import pytest

from domain.crm import rows
from domain.crm.activities import ACTIVITY_SPEC
from domain.crm.campaigns import CAMPAIGN_SPEC
from domain.crm.contacts import CONTACT_SPEC
from domain.crm.customers import CUSTOMER_SPEC
from domain.crm.leads import LEAD_SPEC
from domain.crm.opportunities import OPPORTUNITY_SPEC
from domain.crm.pipelines import PIPELINE_SPEC, STAGE_SPEC
from domain.crm.teams import TEAM_SPEC
from domain.crm.tickets import TICKET_SPEC
from domain.records.spec import RecordSpec

SPECS = {
    "Customer": CUSTOMER_SPEC,
    "Contact": CONTACT_SPEC,
    "Lead": LEAD_SPEC,
    "Opportunity": OPPORTUNITY_SPEC,
    "Ticket": TICKET_SPEC,
    "Activity": ACTIVITY_SPEC,
    "Campaign": CAMPAIGN_SPEC,
    "Team": TEAM_SPEC,
    "Pipeline": PIPELINE_SPEC,
    "Stage": STAGE_SPEC,
}
SYSTEM = {"id", "version", "created_at", "updated_at", "created_by", "updated_by"}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_row_type_names_exactly_the_columns_of_its_spec(name: str) -> None:
    spec: RecordSpec = SPECS[name]
    assert list(getattr(rows, f"{name}Row").__annotations__) == list(spec.columns)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_values_type_names_exactly_the_fields_a_write_may_set(name: str) -> None:
    spec: RecordSpec = SPECS[name]
    writable = [f.name for f in spec.fields if f.name not in SYSTEM and f.lookup is None]
    values = getattr(rows, f"{name}Values")
    assert list(values.__annotations__) == writable and not values.__total__
