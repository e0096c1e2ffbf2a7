"""The CRM area's queries and mutations, one object module each, merged in the order the
published schema lists them (schema.graphql keeps fields in declaration order)."""

from __future__ import annotations

from strawberry.tools import merge_types

from api.crm.activities import ActivityLogMutations, ActivityMutations, ActivityQueries
from api.crm.campaigns import CampaignMutations, CampaignQueries
from api.crm.contacts import ContactMutations, ContactQueries
from api.crm.customers import CustomerMutations, CustomerQueries
from api.crm.leads import LeadConversionMutations, LeadMutations, LeadQueries
from api.crm.members import MemberMutations, MemberQueries
from api.crm.opportunities import OpportunityMutations, OpportunityQueries
from api.crm.pipelines import PipelineMutations, PipelineQueries, PipelineSetupMutations
from api.crm.search import SearchQueries
from api.crm.tags import TagMutations, TagQueries
from api.crm.teams import TeamMutations, TeamQueries
from api.crm.tickets import TicketMutations, TicketQueries, TicketStatusMutations

CrmQueries = merge_types(
    "CrmQueries",
    (
        CustomerQueries,
        ContactQueries,
        TeamQueries,
        MemberQueries,
        TagQueries,
        CampaignQueries,
        LeadQueries,
        SearchQueries,
        PipelineQueries,
        OpportunityQueries,
        TicketQueries,
        ActivityQueries,
    ),
)

CrmMutations = merge_types(
    "CrmMutations",
    (
        CustomerMutations,
        ContactMutations,
        TeamMutations,
        CampaignMutations,
        LeadMutations,
        OpportunityMutations,
        TicketMutations,
        ActivityMutations,
        PipelineMutations,
        TagMutations,
        LeadConversionMutations,
        TicketStatusMutations,
        PipelineSetupMutations,
        ActivityLogMutations,
        MemberMutations,
    ),
)
