"""Mutations of the CRM area: the standard six per record type, plus the special ones."""

import strawberry

from api.crm.inputs import (
    CreateContactInput, CreateCustomerInput, CreateTeamInput, UpdateContactInput, UpdateCustomerInput, UpdateTeamInput,
)
from api.crm.custom_fields import prepare_custom_fields
from api.crm.mutations import sales, tags
from api.crm.sales_inputs import (
    CreateCampaignInput, CreateLeadInput, CreateOpportunityInput, CreateTicketInput, UpdateActivityInput,
    UpdateCampaignInput, UpdateLeadInput, UpdateOpportunityInput, UpdatePipelineInput, UpdateTicketInput,
)
from api.crm.sales_types import ActivityType, CampaignType, LeadType, OpportunityType, PipelineType, TicketType
from api.crm.types import ContactType, CustomerType, TeamType
from api.records.crud import crud_mutations
from domain.crm import activities, campaigns, contacts, customers, leads, opportunities, pipelines, teams, tickets


_fields = {
    **crud_mutations(customers.CUSTOMER_SPEC, CustomerType, CreateCustomerInput, UpdateCustomerInput,
                     customers.create_customers, customers.update_customers, prepare=prepare_custom_fields("Customer")),
    **crud_mutations(contacts.CONTACT_SPEC, ContactType, CreateContactInput, UpdateContactInput,
                     contacts.create_contacts, contacts.update_contacts, prepare=prepare_custom_fields("Contact")),
    **crud_mutations(teams.TEAM_SPEC, TeamType, CreateTeamInput, UpdateTeamInput,
                     teams.create_teams, teams.update_teams, bulk=False),
    **crud_mutations(campaigns.CAMPAIGN_SPEC, CampaignType, CreateCampaignInput, UpdateCampaignInput,
                     campaigns.create_campaigns, campaigns.update_campaigns, bulk=False),
    **crud_mutations(leads.LEAD_SPEC, LeadType, CreateLeadInput, UpdateLeadInput,
                     leads.create_leads, leads.update_leads, prepare=prepare_custom_fields("Lead")),
    **crud_mutations(opportunities.OPPORTUNITY_SPEC, OpportunityType, CreateOpportunityInput, UpdateOpportunityInput,
                     opportunities.create_opportunities, opportunities.update_opportunities, prepare=prepare_custom_fields("Opportunity")),
    **crud_mutations(tickets.TICKET_SPEC, TicketType, CreateTicketInput, UpdateTicketInput,
                     tickets.create_tickets, tickets.update_tickets, prepare=prepare_custom_fields("Ticket")),
    **crud_mutations(activities.ACTIVITY_SPEC, ActivityType, None, UpdateActivityInput, None,
                     activities.update_activities, bulk=False),
    **crud_mutations(pipelines.PIPELINE_SPEC, PipelineType, None, UpdatePipelineInput, None,
                     pipelines.update_pipelines, bulk=False),
    "add_tags": tags.add_tags,
    "remove_tags": tags.remove_tags,
    "convert_lead": sales.convert_lead,
    "change_ticket_status": sales.change_ticket_status,
    "create_pipeline": sales.create_pipeline,
    "add_stage": sales.add_stage,
    "update_stage": sales.update_stage,
    "delete_stage": sales.delete_stage,
    "log_activity": sales.log_activity,
    "complete_task": sales.complete_task,
}

CrmMutations = strawberry.type(type("CrmMutations", (), _fields))
