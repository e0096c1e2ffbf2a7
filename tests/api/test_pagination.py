"""Every page size of the schema is checked the same way: 1 to 100 (or a declared maximum), else a
field error on `first`.
The schema is walked, so a new list field is covered without a test of its own."""

from __future__ import annotations

import json

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    get_named_type,
    is_composite_type,
    is_non_null_type,
)

from tests.support.custom import create_record, make_object
from tests.support.graphql import api_schema, gql
from tests.support.records import make_contact, make_customer, unique

# Not pages but result sizes of their own: an aggregate's groups (a year of days is 365 rows), and
# the RFM ranking of a tenant's customers (a report read whole, like its CSV).
MAXIMUM = {"Query.aggregate": 1000, "Query.customerRfm": 1000}


async def _instances(client, admin: str) -> dict[str, str]:
    """A global id of each record type whose fields take a page size."""
    customer = await make_customer(client, admin)
    made = {"Customer": customer["id"], "Contact": (await make_contact(client, admin))["id"]}
    for mutation, input_type, values in (
        ("createLead", "CreateLeadInput", {"personName": unique("Lead")}),
        ("createOpportunity", "CreateOpportunityInput", {"name": unique("Deal")}),
        ("createTicket", "CreateTicketInput", {"subject": unique("Ticket")}),
        ("createTeam", "CreateTeamInput", {"name": unique("Team")}),
    ):
        created = await gql(
            client,
            f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ id __typename }} }}",
            {"i": values},
            token=admin,
        )
        made[created.data[mutation]["__typename"]] = created.data[mutation]["id"]
    thing = await make_object(
        client, admin, [{"apiName": "size", "label": "Size", "type": "INTEGER"}], stem="paged"
    )
    made["CustomRecord"] = (await create_record(client, admin, thing, {"size": 1})).data[
        "createRecord"
    ]["id"]
    job = await gql(
        client,
        'mutation { exportRecords(input: {object: "Lead", fields: ["personName"]}) { id } }',
        token=admin,
    )
    made["Job"] = job.data["exportRecords"]["id"]
    report = await gql(
        client,
        "mutation($i: SaveReportInput!) { saveReport(input: $i) { id } }",
        {
            "i": {
                "name": unique("Sizes"),
                "kind": "AGGREGATE",
                "params": {"object": thing, "measures": [{"function": "COUNT"}]},
            }
        },
        token=admin,
    )
    me = await gql(client, "{ me { id } }", token=admin)
    schedule = await gql(
        client,
        "mutation($i: ScheduleReportInput!) { scheduleReport(input: $i) { id } }",
        {
            "i": {
                "reportId": report.data["saveReport"]["id"],
                "frequency": "DAILY",
                "recipientIds": [me.data["me"]["id"]],
            }
        },
        token=admin,
    )
    made["ReportSchedule"] = schedule.data["scheduleReport"]["id"]
    return made | {"_object": thing}


def _paged_fields() -> list[tuple[GraphQLObjectType, str]]:
    graphql_schema = api_schema()
    return [
        (type_, name)
        for type_ in graphql_schema.type_map.values()
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__")
        for name, field in type_.fields.items()
        if "first" in field.args
    ]


def _required_arguments(field: GraphQLField, values: dict[str, str]) -> str:
    """The arguments a call must give besides `first`, from `values` (GraphQL literals)."""
    parts = []
    for arg, argument in field.args.items():
        if arg != "first" and is_non_null_type(argument.type) and argument.default is None:
            assert arg in values, f"give the test a value for the required argument {arg}"
            parts.append(f"{arg}: {values[arg]}")
    return ", ".join(parts)


def _assert_refused(response, first: int, where: str, maximum: int) -> None:
    assert response.codes == ["BAD_USER_INPUT"], (where, first, response.body)
    assert response.errors[0]["extensions"]["fieldErrors"] == [
        {
            "field": "first",
            "code": "OUT_OF_RANGE",
            "message": f"first must be between 1 and {maximum}",
        }
    ], (where, first)


async def test_every_page_size_of_the_schema_is_between_1_and_100(client, as_alpha):
    admin = as_alpha["admin"]
    instances = await _instances(client, admin)
    # other arguments some lists need, as GraphQL literals
    required = {
        "text": '"x"',
        "object": json.dumps(instances["_object"]),
        "field": '"x"',
        "period": "{range: THIS_WEEK}",
        "recordId": json.dumps(instances["Customer"]),
    }
    fields = _paged_fields()
    for type_, name in fields:
        field = type_.fields[name]
        arguments = _required_arguments(field, required)
        selection = " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
        call = f"{name}({arguments + ', ' if arguments else ''}first: $first){selection}"
        if type_.name == "Query":
            document, variables = f"query($first: Int!) {{ {call} }}", {}
        else:
            assert type_.name in instances, (
                f"add an instance of {type_.name} (its field {name} takes a page size)"
            )
            document = f"query($first: Int!, $id: ID!) {{ node(id: $id) {{ ... on {type_.name} {{ {call} }} }} }}"
            variables = {"id": instances[type_.name]}
        where = f"{type_.name}.{name}"
        maximum = MAXIMUM.get(where, 100)
        for first in (-1, 0, maximum + 1, 1_000_000):
            _assert_refused(
                await gql(client, document, {**variables, "first": first}, token=admin),
                first,
                where,
                maximum,
            )
        answered = await gql(client, document, {**variables, "first": maximum}, token=admin)
        assert not [
            e
            for e in answered.errors
            for fe in e.get("extensions", {}).get("fieldErrors", [])
            if fe["field"] == "first"
        ]
    assert len(fields) >= 40
    # a schedule left behind would mail the shared tenant's admin whenever a scheduler test runs
    cancelled = await gql(
        client,
        "mutation($i: CancelReportScheduleInput!) { cancelReportSchedule(input: $i) { id } }",
        {"i": {"id": instances["ReportSchedule"]}},
        token=admin,
    )
    assert cancelled.data, cancelled.body
