"""The fixed choices of standard records are GraphQL enums holding exactly the domain's values;
choices a tenant adds are custom SINGLE_SELECT and MULTI_SELECT fields, whose options the metadata queries list."""

from __future__ import annotations

import uuid

import pytest

from api.records import choices
from domain.crm import campaigns, leads, lifecycle, tickets
from tests.support.graphql import api_schema, gql


@pytest.mark.parametrize(
    ("enum", "domain_values"),
    [
        (choices.LifecycleStage, set(lifecycle.LIFECYCLE_STAGES)),
        (choices.LeadStatus, set(leads.STATUSES)),
        (choices.MarketingChannel, set(campaigns.CHANNELS)),
        (choices.TicketPriority, set(tickets.PRIORITIES)),
        (choices.TicketChannel, set(tickets.CHANNELS)),
        (choices.TicketStatus, set(tickets.STATUSES)),
    ],
)
def test_each_enum_holds_the_domain_values(enum, domain_values):
    assert {member.value for member in enum} == domain_values
    assert {member.name for member in enum} == domain_values


def test_the_schema_shows_fixed_choices_as_enums():
    schema = api_schema()
    shown = {
        ("Ticket", "priority"): "TicketPriority",
        ("Ticket", "status"): "TicketStatus",
        ("Ticket", "channel"): "TicketChannel",
        ("Lead", "lifecycleStage"): "LifecycleStage",
        ("Lead", "status"): "LeadStatus",
        ("Lead", "sourceChannel"): "MarketingChannel",
        ("Customer", "lifecycleStage"): "LifecycleStage",
        ("Campaign", "channel"): "MarketingChannel",
        ("CreateTicketInput", "priority"): "TicketPriority",
        ("ChangeTicketStatusInput", "status"): "TicketStatus",
        ("CreateLeadInput", "sourceChannel"): "MarketingChannel",
        ("UpdateCustomerInput", "lifecycleStage"): "LifecycleStage",
    }
    found = {}
    for (type_name, field), _ in shown.items():
        field_type = schema.type_map[type_name].fields[field].type
        while hasattr(field_type, "of_type"):
            field_type = field_type.of_type
        found[(type_name, field)] = field_type.name
    assert found == shown


CREATE = (
    "mutation($i: CreateTicketInput!) { createTicket(input: $i) "
    "{ id version priority channel status } }"
)


async def test_enums_in_and_out_and_strings_in_filters(client, as_alpha, as_beta):
    admin = as_alpha["admin"]
    subject = f"Enum {uuid.uuid4().hex[:8]}"
    made = (
        await gql(
            client,
            CREATE,
            {"i": {"subject": subject, "priority": "URGENT", "channel": "WECOM"}},
            token=admin,
        )
    ).data["createTicket"]
    assert (made["priority"], made["channel"], made["status"]) == ("URGENT", "WECOM", "NEW")
    moved = await gql(
        client,
        "mutation($id: ID!, $v: Int!) { changeTicketStatus(input: {id: $id, version: $v, "
        "status: ACCEPTED}) { status } }",
        {"id": made["id"], "v": made["version"]},
        token=admin,
    )
    assert moved.data["changeTicketStatus"]["status"] == "ACCEPTED"
    # Filters compare the stored text, as before.
    listed = await gql(
        client,
        'query($s: String!) { tickets(filter: {subject: {eq: $s}, priority: {eq: "URGENT"}}) '
        "{ edges { node { id priority } } } }",
        {"s": subject},
        token=admin,
    )
    assert [e["node"]["id"] for e in listed.data["tickets"]["edges"]] == [made["id"]]
    # A value outside the enum never reaches the domain.
    wrong = await gql(
        client, CREATE, {"i": {"subject": subject, "priority": "SOMEDAY"}}, token=admin
    )
    assert wrong.codes == ["BAD_USER_INPUT"]
    # Another tenant does not see the ticket, whatever its choices.
    other = await gql(
        client,
        "query($s: String!) { tickets(filter: {subject: {eq: $s}}) { totalCount } }",
        {"s": subject},
        token=as_beta["admin"],
    )
    assert other.data["tickets"]["totalCount"] == 0


async def test_a_tenant_choice_field_lists_its_options_in_the_metadata(client, as_alpha):
    admin = as_alpha["admin"]
    name = f"segment_{uuid.uuid4().hex[:6]}"
    made = await gql(
        client,
        "mutation($i: CreateFieldInput!) { createField(input: $i) { id version } }",
        {
            "i": {
                "object": "Ticket",
                "apiName": name,
                "label": "Segment",
                "type": "SINGLE_SELECT",
                "config": {"options": ["retail", "wholesale"]},
            }
        },
        token=admin,
    )
    assert made.data, made.errors
    try:
        fields = (
            await gql(
                client, '{ standardFields(object: "Ticket") { apiName type config } }', token=admin
            )
        ).data["standardFields"]
        [field] = [f for f in fields if f["apiName"] == name]
        assert field["type"] == "SINGLE_SELECT"
        assert "retail" in str(field["config"]["options"])
        assert "wholesale" in str(field["config"]["options"])
    finally:
        await gql(
            client,
            "mutation($i: FieldRefInput!) { deleteField(input: $i) { apiName } }",
            {"i": made.data["createField"]},
            token=admin,
        )
