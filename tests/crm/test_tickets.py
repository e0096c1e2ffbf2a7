"""Tickets: the status flow, its timestamps and its history."""

from __future__ import annotations

from tests.support.graphql import gql
from tests.support.records import scoped_token, unique

CREATE = "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id status priority version } }"
MOVE = """mutation($id: ID!, $v: Int!, $s: TicketStatus!) { changeTicketStatus(input: {id: $id, version: $v, status: $s}) {
  status version firstResponseAt resolvedAt closedAt } }"""
HISTORY = "query($id: ID!) { node(id: $id) { ... on Ticket { statusHistory { fromStatus toStatus actor { email } } } } }"


async def _ticket(client, token, **fields) -> dict:
    fields.setdefault("subject", unique("Printer on fire"))
    return (await gql(client, CREATE, {"input": fields}, token=token)).data["createTicket"]


async def test_the_full_flow_sets_timestamps_and_history(client, as_alpha):
    ticket = await _ticket(client, as_alpha["agent"], priority="URGENT")
    assert ticket["status"] == "NEW" and ticket["priority"] == "URGENT"
    version, first_response = 1, None
    for status in ("ACCEPTED", "DIAGNOSING", "DISPATCHED", "RESOLVED", "FOLLOWED_UP", "CLOSED"):
        moved = (
            await gql(
                client,
                MOVE,
                {"id": ticket["id"], "v": version, "s": status},
                token=as_alpha["agent"],
            )
        ).data["changeTicketStatus"]
        version = moved["version"]
        first_response = first_response or moved["firstResponseAt"]
        assert moved["firstResponseAt"] == first_response  # set once, on acceptance
    assert moved["resolvedAt"] and moved["closedAt"]

    reopened = (
        await gql(
            client,
            MOVE,
            {"id": ticket["id"], "v": version, "s": "ACCEPTED"},
            token=as_alpha["agent"],
        )
    ).data["changeTicketStatus"]
    assert (
        reopened["resolvedAt"] is None
        and reopened["closedAt"] is None
        and reopened["firstResponseAt"] == first_response
    )

    history = (await gql(client, HISTORY, {"id": ticket["id"]}, token=as_alpha["agent"])).data[
        "node"
    ]["statusHistory"]
    assert [(h["fromStatus"], h["toStatus"]) for h in history] == [
        (None, "NEW"),
        ("NEW", "ACCEPTED"),
        ("ACCEPTED", "DIAGNOSING"),
        ("DIAGNOSING", "DISPATCHED"),
        ("DISPATCHED", "RESOLVED"),
        ("RESOLVED", "FOLLOWED_UP"),
        ("FOLLOWED_UP", "CLOSED"),
        ("CLOSED", "ACCEPTED"),
    ]
    assert {h["actor"]["email"] for h in history} == {"agent@alpha.test"}


async def test_illegal_transitions_are_bad_input_and_change_nothing(client, as_alpha):
    ticket = await _ticket(client, as_alpha["agent"])
    for status in ("RESOLVED", "FOLLOWED_UP", "DIAGNOSING", "NEW", "LOST"):
        response = await gql(
            client, MOVE, {"id": ticket["id"], "v": 1, "s": status}, token=as_alpha["agent"]
        )
        assert response.codes == ["BAD_USER_INPUT"], status
    stale = await gql(
        client, MOVE, {"id": ticket["id"], "v": 7, "s": "ACCEPTED"}, token=as_alpha["agent"]
    )
    assert stale.codes == ["CONFLICT"]
    history = (await gql(client, HISTORY, {"id": ticket["id"]}, token=as_alpha["agent"])).data[
        "node"
    ]["statusHistory"]
    assert len(history) == 1


async def test_ticket_rights_and_scopes(client, as_alpha, as_beta):
    ticket = await _ticket(client, as_alpha["agent"])
    assert (
        await gql(
            client, MOVE, {"id": ticket["id"], "v": 1, "s": "ACCEPTED"}, token=as_alpha["viewer"]
        )
    ).codes == ["FORBIDDEN"]
    assert (
        await gql(
            client, MOVE, {"id": ticket["id"], "v": 1, "s": "ACCEPTED"}, token=as_beta["admin"]
        )
    ).codes == ["NOT_FOUND"]
    crm_only = await scoped_token(client, as_alpha["admin"], ["crm:write"])
    assert (await _raw_create(client, crm_only)).codes == ["FORBIDDEN"]
    tickets_token = await scoped_token(client, as_alpha["admin"], ["tickets:write"])
    assert (await _raw_create(client, tickets_token)).data["createTicket"]["status"] == "NEW"


async def _raw_create(client, token):
    return await gql(client, CREATE, {"input": {"subject": "via token"}}, token=token)


async def test_ticket_fields_are_validated(client, as_alpha):
    response = await gql(
        client,
        CREATE,
        {"input": {"subject": "", "satisfactionScore": 9}},
        token=as_alpha["agent"],
    )
    codes = {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}
    assert codes == {
        "subject": "REQUIRED",
        "satisfactionScore": "OUT_OF_RANGE",
    }
