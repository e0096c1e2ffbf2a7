"""Custom fields on standard objects: defined like any field, written and read through the
standard mutations and queries as `customFields`, filtered and sorted, enforced on every write."""

from __future__ import annotations

from tests.support.custom import api_name, field_codes, make_field
from tests.support.graphql import gql
from tests.support.records import make_customer

CREATE = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id customFields version } }"
UPDATE = "mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { id customFields version } }"
LIST = (
    "query($filter: TicketFilter, $orderBy: [TicketOrder!]) { tickets(filter: $filter, orderBy: $orderBy) "
    "{ totalCount edges { node { subject customFields } } } }"
)
HISTORY = "query($id: ID!) { node(id: $id) { ... on Ticket { history { edges { node { action changes } } } } } }"


async def test_existing_records_get_a_new_required_fields_default(client, as_alpha, as_beta):
    admin = as_alpha["admin"]
    customer = await make_customer(client, admin, name="Standard With Extras")
    field = api_name("segment")
    await make_field(
        client,
        admin,
        "Customer",
        apiName=field,
        type="SINGLE_SELECT",
        required=True,
        defaultValue="SMB",
        config={"options": ["SMB", "ENTERPRISE"]},
    )
    listed = await gql(
        client, 'query { standardFields(object: "Customer") { apiName defaultValue } }', token=admin
    )
    assert {"apiName": field, "defaultValue": "SMB"} in listed.data["standardFields"]
    read = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Customer { customFields } } }",
        {"id": customer["id"]},
        token=admin,
    )
    assert read.data["node"]["customFields"][field] == "SMB"
    other = await gql(
        client, 'query { standardFields(object: "Customer") { apiName } }', token=as_beta["admin"]
    )
    assert field not in [f["apiName"] for f in other.data["standardFields"]]


async def test_ticket_custom_fields_through_the_standard_api(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    severity, serial, engineer = api_name("severity"), api_name("serial"), api_name("engineer")
    await make_field(client, admin, "Ticket", apiName=severity, type="RATING", config={"max": 5})
    await make_field(client, admin, "Ticket", apiName=serial, type="TEXT", unique=True)
    await make_field(client, admin, "Ticket", apiName=engineer, type="USER")
    subject = api_name("Printer")

    bad = await gql(
        client,
        CREATE,
        {"input": {"subject": subject, "customFields": {severity: 9, "nope": 1}}},
        token=admin,
    )
    assert field_codes(bad) == {
        f"customFields.{severity}": "OUT_OF_RANGE",
        "customFields.nope": "UNKNOWN_FIELD",
    }

    made = []
    for n, (level, code) in enumerate([(2, "SN-1"), (5, "SN-2"), (None, "SN-3")]):
        values = {serial: code, engineer: user_ids["agent"], **({severity: level} if level else {})}
        response = await gql(
            client,
            CREATE,
            {"input": {"subject": f"{subject} {n}", "customFields": values}},
            token=admin,
        )
        made.append(response.data["createTicket"])
    assert made[0]["customFields"] == {severity: 2, serial: "SN-1", engineer: user_ids["agent"]}

    taken = await gql(
        client,
        CREATE,
        {"input": {"subject": subject, "customFields": {serial: "sn-1"}}},
        token=admin,
    )
    assert field_codes(taken) == {f"customFields.{serial}": "TAKEN"}
    wrong_id = await gql(
        client,
        CREATE,
        {"input": {"subject": subject, "customFields": {engineer: made[0]["id"]}}},
        token=admin,
    )
    assert field_codes(wrong_id) == {f"customFields.{engineer}": "INVALID_ID"}

    high = await gql(
        client,
        LIST,
        {
            "filter": {
                "subject": {"like": f"{subject}%"},
                "customFields": {"field": severity, "gte": 3},
            }
        },
        token=admin,
    )
    assert [e["node"]["subject"] for e in high.data["tickets"]["edges"]] == [f"{subject} 1"]
    ordered = await gql(
        client,
        LIST,
        {
            "filter": {"subject": {"like": f"{subject}%"}},
            "orderBy": [{"customField": {"field": severity, "direction": "DESC"}, "nulls": "LAST"}],
        },
        token=admin,
    )
    assert [e["node"]["subject"] for e in ordered.data["tickets"]["edges"]] == [
        f"{subject} {n}" for n in (1, 0, 2)
    ]
    unknown = await gql(
        client, LIST, {"filter": {"customFields": {"field": "missing_field", "eq": 1}}}, token=admin
    )
    assert field_codes(unknown) == {"filter.customFields.missing_field": "NOT_FILTERABLE"}

    updated = await gql(
        client,
        UPDATE,
        {"input": {"id": made[0]["id"], "version": 1, "customFields": {severity: 4}}},
        token=admin,
    )
    assert updated.data["updateTicket"]["customFields"][severity] == 4
    assert updated.data["updateTicket"]["customFields"][serial] == "SN-1"  # untouched values stay
    history = (await gql(client, HISTORY, {"id": made[0]["id"]}, token=admin)).data["node"][
        "history"
    ]["edges"]
    assert history[-1]["node"]["changes"] == {f"customFields.{severity}": [2, 4]}


async def test_custom_fields_that_are_not_an_object_are_a_field_error(client, as_alpha):
    admin, member = as_alpha["admin"], as_alpha["member"]
    customer = await make_customer(client, member)
    writes = [
        ("createLead", "CreateLeadInput", {"personName": "x"}, "customFields"),
        ("createCustomer", "CreateCustomerInput", {"name": "x"}, "customFields"),
        ("createTicket", "CreateTicketInput", {"subject": "x"}, "customFields"),
        (
            "updateCustomer",
            "UpdateCustomerInput",
            {"id": customer["id"], "version": customer["version"]},
            "customFields",
        ),
        ("bulkCreateCustomers", "BulkCreateCustomersInput", None, "items.0.customFields"),
    ]
    for shape in (1, "x", True, [[None]], [{"a": 1}]):
        for mutation, input_type, given, field in writes:
            payload = (
                {"items": [{"name": "x", "customFields": shape}]}
                if given is None
                else {**given, "customFields": shape}
            )
            for token in (admin, member):  # the member's field rights are read too
                response = await gql(
                    client,
                    f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ __typename }} }}",
                    {"i": payload},
                    token=token,
                )
                assert field_codes(response) == {field: "INVALID_OBJECT"}, (
                    mutation,
                    shape,
                    response.body,
                )
