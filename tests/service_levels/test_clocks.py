"""Live SLA state on tickets, at fixed instants: the policy applied at creation, due times and
status (ON_TRACK, AT_RISK, BREACHED, MET, PAUSED) from the stored clock, first response by
acceptance or a public reply (never a note), re-targeting on priority changes with the reason in
the history, pausing while waiting on the customer and the next-response round after."""

from __future__ import annotations

from datetime import timedelta

from tests.service_levels.support import (
    LOG,
    T0,
    UPDATE_TICKET,
    at,
    for_category,
    iso,
    make_policy,
    move,
    open_ticket,
    read,
)
from tests.support.graphql import gql
from tests.support.records import unique

M = timedelta(minutes=1)


async def test_a_new_ticket_gets_the_first_matching_policy_and_its_status_follows_the_time(
    client, as_alpha
):
    category = unique("printers")
    await make_policy(
        client,
        as_alpha["admin"],
        name=unique("Urgent"),
        conditions=for_category(category, priority="URGENT"),
        firstResponseMinutes=15,
        resolutionMinutes=60,
    )
    normal = await make_policy(
        client,
        as_alpha["admin"],
        conditions=for_category(category),
        firstResponseMinutes=60,
        resolutionMinutes=240,
        warningPercent=75,
    )
    ticket = await open_ticket(client, as_alpha["agent"], T0, category=category, priority="NORMAL")
    sla = ticket["sla"]
    assert sla["policy"]["name"] == normal["name"]
    assert (sla["firstResponseDueAt"], sla["resolutionDueAt"]) == (
        iso(T0 + 60 * M),
        iso(T0 + 240 * M),
    )
    assert sla["status"] == "ON_TRACK" and sla["nextResponseDueAt"] is None
    assert [h["reason"] for h in sla["history"]] == ["STARTED"]

    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 44 * M))["sla"][
        "status"
    ] == "ON_TRACK"
    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 45 * M))["sla"][
        "status"
    ] == "AT_RISK"
    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 60 * M))["sla"][
        "status"
    ] == "BREACHED"

    accepted = await move(client, as_alpha["agent"], ticket, "ACCEPTED", T0 + 30 * M)
    assert accepted["sla"]["firstRespondedAt"] == iso(T0 + 30 * M)
    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 100 * M))["sla"][
        "status"
    ] == "ON_TRACK"
    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 180 * M))["sla"][
        "status"
    ] == "AT_RISK"
    resolved = await move(client, as_alpha["agent"], accepted, "RESOLVED", T0 + 200 * M)
    assert resolved["sla"]["status"] == "MET"
    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 1000 * M))["sla"][
        "status"
    ] == "MET"


async def test_a_ticket_no_policy_matches_has_no_sla(client, as_alpha):
    ticket = await open_ticket(client, as_alpha["agent"], T0, category=unique("unpromised"))
    assert ticket["sla"] is None


async def test_a_priority_change_retargets_from_the_ticket_start_and_says_why(client, as_alpha):
    category = unique("retarget")
    urgent = await make_policy(
        client,
        as_alpha["admin"],
        name=unique("Urgent"),
        conditions=for_category(category, priority="URGENT"),
        resolutionMinutes=60,
    )
    await make_policy(
        client, as_alpha["admin"], conditions=for_category(category), resolutionMinutes=480
    )
    ticket = await open_ticket(client, as_alpha["agent"], T0, category=category, priority="NORMAL")
    assert ticket["sla"]["resolutionDueAt"] == iso(T0 + 480 * M)

    changed = (
        await at(
            T0 + 20 * M,
            client,
            UPDATE_TICKET,
            {"input": {"id": ticket["id"], "version": ticket["version"], "priority": "URGENT"}},
            as_alpha["agent"],
        )
    ).data
    sla = changed["updateTicket"]["sla"]
    assert sla["policy"]["name"] == urgent["name"]
    assert sla["resolutionDueAt"] == iso(
        T0 + 60 * M
    )  # from the ticket's start, not from the change
    last = sla["history"][-1]
    assert (
        last["reason"] == "RETARGETED"
        and "priority changed" in last["detail"]
        and urgent["name"] in last["detail"]
    )
    assert last["resolutionDueAt"] == iso(T0 + 60 * M)

    subject_only = (
        await at(
            T0 + 30 * M,
            client,
            UPDATE_TICKET,
            {
                "input": {
                    "id": ticket["id"],
                    "version": changed["updateTicket"]["version"],
                    "subject": "still urgent",
                }
            },
            as_alpha["agent"],
        )
    ).data
    assert len(subject_only["updateTicket"]["sla"]["history"]) == len(sla["history"])


async def test_waiting_on_the_customer_pauses_the_clock_and_their_answer_opens_a_next_response_round(
    client, as_alpha
):
    category = unique("pause")
    await make_policy(
        client,
        as_alpha["admin"],
        conditions=for_category(category),
        firstResponseMinutes=30,
        nextResponseMinutes=20,
        resolutionMinutes=240,
    )
    ticket = await open_ticket(client, as_alpha["agent"], T0, category=category)
    ticket = await move(client, as_alpha["agent"], ticket, "ACCEPTED", T0 + 10 * M)
    waiting = await move(client, as_alpha["agent"], ticket, "WAITING_ON_CUSTOMER", T0 + 60 * M)
    assert waiting["sla"]["status"] == "PAUSED" and waiting["sla"]["pausedAt"] == iso(T0 + 60 * M)
    # Long past the resolution due time, a paused clock is not breached.
    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 600 * M))["sla"][
        "status"
    ] == "PAUSED"

    back = await move(client, as_alpha["agent"], waiting, "DIAGNOSING", T0 + 150 * M)
    sla = back["sla"]
    assert sla["status"] == "ON_TRACK" and sla["pausedAt"] is None
    assert sla["resolutionDueAt"] == iso(T0 + (240 + 90) * M)  # moved by the 90 paused minutes
    assert sla["nextResponseDueAt"] == iso(T0 + (150 + 20) * M)
    assert [h["reason"] for h in sla["history"]][-3:] == [
        "FIRST_RESPONSE",
        "PAUSED",
        "NEXT_RESPONSE_STARTED",
    ]

    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 165 * M))["sla"][
        "status"
    ] == "AT_RISK"
    note = {"recordId": ticket["id"], "kind": "NOTE", "subject": "internal: customer is grumpy"}
    await at(T0 + 160 * M, client, LOG, {"input": note}, as_alpha["agent"])
    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 160 * M))["sla"][
        "nextResponseDueAt"
    ] is not None
    reply = {"recordId": ticket["id"], "kind": "EMAIL", "subject": "Re: your printer"}
    await at(T0 + 161 * M, client, LOG, {"input": reply}, as_alpha["agent"])
    answered = await read(client, as_alpha["agent"], ticket["id"], T0 + 200 * M)
    assert answered["sla"]["nextResponseDueAt"] is None and answered["sla"]["status"] == "ON_TRACK"
    assert answered["sla"]["history"][-1]["reason"] == "NEXT_RESPONSE"


async def test_a_public_reply_is_the_first_response_and_a_note_is_not(client, as_alpha):
    category = unique("reply")
    await make_policy(
        client,
        as_alpha["admin"],
        conditions=for_category(category),
        firstResponseMinutes=30,
        resolutionMinutes=240,
    )
    ticket = await open_ticket(client, as_alpha["agent"], T0, category=category)
    await at(
        T0 + 5 * M,
        client,
        LOG,
        {"input": {"recordId": ticket["id"], "kind": "NOTE", "subject": "look later"}},
        as_alpha["agent"],
    )
    assert (await read(client, as_alpha["agent"], ticket["id"], T0 + 6 * M))["sla"][
        "firstRespondedAt"
    ] is None
    await at(
        T0 + 40 * M,
        client,
        LOG,
        {"input": {"recordId": ticket["id"], "kind": "CALL", "subject": "called back"}},
        as_alpha["agent"],
    )
    late = await read(client, as_alpha["agent"], ticket["id"], T0 + 41 * M)
    assert late["sla"]["firstRespondedAt"] == iso(T0 + 40 * M)
    assert late["sla"]["status"] == "BREACHED"  # answered, but after the due time


async def test_illegal_moves_around_waiting_are_refused(client, as_alpha):
    ticket = await open_ticket(client, as_alpha["agent"], T0, category=unique("flow"))
    refused = await at(
        T0,
        client,
        """mutation($id: ID!) { changeTicketStatus(input: {id: $id, version: 1,
        status: WAITING_ON_CUSTOMER}) { id } }""",
        {"id": ticket["id"]},
        as_alpha["agent"],
    )
    assert refused.codes == ["BAD_USER_INPUT"]
    assert refused.errors[0]["extensions"]["fieldErrors"][0]["code"] == "ILLEGAL_TRANSITION"


async def test_another_tenant_cannot_read_a_ticket_sla(client, as_alpha, as_beta):
    category = unique("isolated")
    await make_policy(
        client, as_alpha["admin"], conditions=for_category(category), resolutionMinutes=60
    )
    ticket = await open_ticket(client, as_alpha["agent"], T0, category=category)
    assert ticket["sla"] is not None
    seen = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Ticket { sla { status } } } }",
        {"id": ticket["id"]},
        token=as_beta["admin"],
    )
    assert seen.body["data"]["node"] is None
