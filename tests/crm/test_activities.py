"""Activities: the timeline of a record, tasks, and the last-activity time automations rely on."""

from __future__ import annotations

from tests.support.graphql import gql
from tests.support.records import make_customer

LOG = "mutation($input: LogActivityInput!) { logActivity(input: $input) { id kind subject version dueAt doneAt recordId owner { email } } }"


async def test_logging_builds_the_timeline_and_moves_last_activity(client, as_alpha):
    lead = (
        await gql(
            client,
            'mutation { createLead(input: {personName: "Zhao"}) { id lastActivityAt } }',
            token=as_alpha["member"],
        )
    ).data["createLead"]
    assert lead["lastActivityAt"] is None
    for kind, subject in (
        ("CALL", "First call"),
        ("EMAIL", "Sent brochure"),
        ("NOTE", "Budget in Q3"),
    ):
        logged = await gql(
            client,
            LOG,
            {"input": {"recordId": lead["id"], "kind": kind, "subject": subject}},
            token=as_alpha["member"],
        )
        assert logged.data["logActivity"]["recordId"] == lead["id"]

    view = (
        await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Lead { lastActivityAt timeline { totalCount edges { node { kind subject } } } } } }",
            {"id": lead["id"]},
            token=as_alpha["member"],
        )
    ).data["node"]
    assert view["lastActivityAt"] is not None and view["timeline"]["totalCount"] == 3
    assert [e["node"]["subject"] for e in view["timeline"]["edges"]] == [
        "First call",
        "Sent brochure",
        "Budget in Q3",
    ]


async def test_tasks_have_due_dates_and_can_be_completed(client, as_alpha, user_ids):
    customer = await make_customer(client, as_alpha["admin"])
    task = (
        await gql(
            client,
            LOG,
            {
                "input": {
                    "recordId": customer["id"],
                    "kind": "TASK",
                    "subject": "Send quote",
                    "dueAt": "2030-01-01T09:00:00+00:00",
                    "ownerId": user_ids["member"],
                }
            },
            token=as_alpha["admin"],
        )
    ).data["logActivity"]
    assert task["owner"]["email"] == "member@alpha.test" and task["doneAt"] is None
    done = await gql(
        client,
        "mutation($id: ID!) { completeTask(input: {id: $id, version: 1}) { doneAt version } }",
        {"id": task["id"]},
        token=as_alpha["member"],
    )
    assert done.data["completeTask"]["doneAt"] is not None
    mine = await gql(
        client,
        'query($me: ID!) { activities(filter: {ownerId: {eq: $me}, kind: {eq: "TASK"}, doneAt: {isNull: false}}) { totalCount } }',
        {"me": user_ids["member"]},
        token=as_alpha["member"],
    )
    assert mine.data["activities"]["totalCount"] >= 1


async def test_bad_activities_are_refused(client, as_alpha, as_beta):
    customer = await make_customer(client, as_alpha["admin"])
    note_with_due = await gql(
        client,
        LOG,
        {
            "input": {
                "recordId": customer["id"],
                "kind": "NOTE",
                "subject": "x",
                "dueAt": "2030-01-01T00:00:00+00:00",
            }
        },
        token=as_alpha["admin"],
    )
    assert note_with_due.codes == ["BAD_USER_INPUT"]
    bad_kind = await gql(
        client,
        LOG,
        {"input": {"recordId": customer["id"], "kind": "TELEGRAM", "subject": "x"}},
        token=as_alpha["admin"],
    )
    assert bad_kind.errors[0]["extensions"]["fieldErrors"][0]["field"] == "kind"
    elsewhere = await gql(
        client,
        LOG,
        {"input": {"recordId": customer["id"], "kind": "NOTE", "subject": "x"}},
        token=as_beta["admin"],
    )
    assert elsewhere.codes == ["NOT_FOUND"]
    assert (
        await gql(
            client,
            LOG,
            {"input": {"recordId": customer["id"], "kind": "NOTE", "subject": "x"}},
            token=as_alpha["viewer"],
        )
    ).codes == ["FORBIDDEN"]
