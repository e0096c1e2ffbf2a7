"""Saved reports and dashboards: private until shared with a role or team, run for the reader
(its visibility), exported as CSV, changed only by the owner or an admin, parameters checked on
save, widgets only of readable reports; another tenant sees nothing (API and RLS)."""

from __future__ import annotations

import csv
import io
import uuid

from tests.reports.test_sales import raw
from tests.support.custom import field_codes, make_object
from tests.support.graphql import gql

CREATE = "mutation($i: CreateRecordInput!) { createRecord(input: $i) { id } }"
SAVE = (
    "mutation($i: SaveReportInput!) { saveReport(input: $i) { id name kind params visibility sharedRoles version "
    "table { columns rows } } }"
)
SAVE_DASHBOARD = "mutation($i: SaveDashboardInput!) { saveDashboard(input: $i) { id version widgets { title chart report { id name } } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on SavedReport { name table { columns rows } csv } ... on Dashboard { name widgets { title report { name } } } } }"


async def _object(client, admin, user_ids):
    name = await make_object(
        client,
        admin,
        [{"apiName": "kind", "type": "TEXT"}, {"apiName": "amount", "type": "DECIMAL"}],
        stem="saved",
    )
    for owner, kind, amount in (
        ("member", "a", "1"),
        ("member", "b", "2"),
        ("manager", "a", "10"),
        ("admin", "b", "100"),
    ):
        await gql(
            client,
            CREATE,
            {
                "i": {
                    "object": name,
                    "values": {"kind": kind, "amount": amount},
                    "ownerId": user_ids[owner],
                }
            },
            token=admin,
        )
    return name


def _params(name: str) -> dict:
    return {
        "object": name,
        "groupBy": [{"field": "kind"}],
        "measures": [{"function": "SUM", "field": "amount", "alias": "total"}],
    }


async def test_a_shared_report_runs_for_each_reader_and_exports_csv(client, as_alpha, user_ids):
    admin, member = as_alpha["admin"], as_alpha["member"]
    name = await _object(client, admin, user_ids)
    report = (
        await gql(
            client,
            SAVE,
            {"i": {"name": "By kind", "kind": "AGGREGATE", "params": _params(name)}},
            token=admin,
        )
    ).data["saveReport"]
    assert report["table"] == {
        "columns": ["kind", "kind label", "total"],
        "rows": [["a", "a", "11.00"], ["b", "b", "102.00"], ["TOTAL", None, "113.00"]],
    }
    assert (await gql(client, NODE, {"id": report["id"]}, token=member)).data[
        "node"
    ] is None  # private
    listed = (await gql(client, "{ savedReports { id } }", token=member)).data["savedReports"]
    assert report["id"] not in [r["id"] for r in listed]

    shared = await gql(
        client,
        SAVE,
        {
            "i": {
                "id": report["id"],
                "version": 1,
                "sharing": {"visibility": "SHARED", "sharedRoles": ["MEMBER"]},
            }
        },
        token=admin,
    )
    assert shared.data["saveReport"]["version"] == 2
    seen = (await gql(client, NODE, {"id": report["id"]}, token=member)).data["node"]
    # The member's numbers: only its own records.
    assert seen["table"]["rows"] == [
        ["a", "a", "1.00"],
        ["b", "b", "2.00"],
        ["TOTAL", None, "3.00"],
    ]
    assert list(csv.reader(io.StringIO(seen["csv"]))) == [
        ["kind", "kind label", "total"],
        ["a", "a", "1.00"],
        ["b", "b", "2.00"],
        ["TOTAL", "", "3.00"],
    ]
    assert (await gql(client, NODE, {"id": report["id"]}, token=as_alpha["agent"])).data[
        "node"
    ] is None  # not shared with agents

    refused = await gql(client, SAVE, {"i": {"id": report["id"], "name": "Mine now"}}, token=member)
    assert refused.codes == ["FORBIDDEN"]
    stale = await gql(
        client, SAVE, {"i": {"id": report["id"], "version": 1, "name": "Old"}}, token=admin
    )
    assert stale.codes == ["CONFLICT"]


async def test_reports_shared_with_a_team_and_analytics_kinds(client, as_alpha, user_ids):
    admin, manager = as_alpha["admin"], as_alpha["manager"]
    team = (
        await gql(
            client,
            "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
            {"i": {"name": f"Reports {uuid.uuid4().hex[:6]}", "memberIds": [user_ids["viewer"]]}},
            token=admin,
        )
    ).data["createTeam"]
    pipeline = (
        await gql(
            client, "{ pipelines(first: 100) { edges { node { id isDefault } } } }", token=admin
        )
    ).data["pipelines"]["edges"]
    default = next(e["node"]["id"] for e in pipeline if e["node"]["isDefault"])
    report = (
        await gql(
            client,
            SAVE,
            {
                "i": {
                    "name": "Pipeline",
                    "kind": "PIPELINE",
                    "params": {"pipelineId": default},
                    "sharing": {"visibility": "SHARED", "sharedTeamIds": [team["id"]]},
                }
            },
            token=manager,
        )
    ).data["saveReport"]
    assert report["table"]["columns"] == [
        "stageId",
        "name",
        "kind",
        "position",
        "count",
        "amount",
        "weighted",
    ]
    assert (await gql(client, NODE, {"id": report["id"]}, token=as_alpha["viewer"])).data["node"][
        "name"
    ] == "Pipeline"
    assert (await gql(client, NODE, {"id": report["id"]}, token=as_alpha["agent"])).data[
        "node"
    ] is None
    assert (await gql(client, NODE, {"id": report["id"]}, token=admin)).data["node"][
        "name"
    ] == "Pipeline"  # admins read all


async def test_parameters_are_checked_on_save(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    name = await _object(client, admin, user_ids)
    bad = {
        **_params(name),
        "groupBy": [{"field": "ghost"}],
        "measures": [{"function": "SUM", "field": "kind"}],
    }
    assert field_codes(
        await gql(
            client, SAVE, {"i": {"name": "Bad", "kind": "AGGREGATE", "params": bad}}, token=admin
        )
    ) == {"params.groupBy.0.field": "NOT_GROUPABLE", "params.measures.0.field": "NOT_MEASURABLE"}
    assert field_codes(
        await gql(
            client,
            SAVE,
            {"i": {"kind": "WIN_RATES", "params": {"period": {"range": "SOMETIME"}, "by": "X"}}},
            token=admin,
        )
    ) == {"name": "REQUIRED", "params.period.range": "INVALID", "params.by": "INVALID"}
    assert field_codes(await gql(client, SAVE, {"i": {"name": "No kind"}}, token=admin)) == {
        "kind": "REQUIRED"
    }


async def test_dashboards_show_only_widgets_the_reader_may_read(client, as_alpha, user_ids):
    admin, member = as_alpha["admin"], as_alpha["member"]
    name = await _object(client, admin, user_ids)
    shared = (
        await gql(
            client,
            SAVE,
            {
                "i": {
                    "name": "Shared",
                    "kind": "AGGREGATE",
                    "params": _params(name),
                    "sharing": {"visibility": "SHARED", "sharedRoles": ["MEMBER"]},
                }
            },
            token=admin,
        )
    ).data["saveReport"]
    private = (
        await gql(
            client,
            SAVE,
            {"i": {"name": "Private", "kind": "AGGREGATE", "params": _params(name)}},
            token=admin,
        )
    ).data["saveReport"]
    board = (
        await gql(
            client,
            SAVE_DASHBOARD,
            {
                "i": {
                    "name": "Board",
                    "widgets": [
                        {"reportId": private["id"], "chart": "NUMBER", "title": "Secret"},
                        {"reportId": shared["id"], "chart": "BAR"},
                    ],
                    "sharing": {"visibility": "SHARED", "sharedRoles": ["MEMBER"]},
                }
            },
            token=admin,
        )
    ).data["saveDashboard"]
    assert [(w["title"], w["chart"], w["report"]["name"]) for w in board["widgets"]] == [
        ("Secret", "NUMBER", "Private"),
        (None, "BAR", "Shared"),
    ]
    seen = (await gql(client, NODE, {"id": board["id"]}, token=member)).data["node"]
    assert seen == {"name": "Board", "widgets": [{"title": None, "report": {"name": "Shared"}}]}
    # A member cannot put a report it may not read on its own dashboard.
    refused = await gql(
        client,
        SAVE_DASHBOARD,
        {"i": {"name": "Mine", "widgets": [{"reportId": private["id"]}]}},
        token=member,
    )
    assert field_codes(refused) == {"widgets.0.reportId": "NOT_FOUND"}
    deleted = await gql(
        client,
        "mutation($i: DeleteSavedInput!) { deleteDashboard(input: $i) { id } }",
        {"i": {"id": board["id"]}},
        token=member,
    )
    assert deleted.codes == ["FORBIDDEN"]


async def test_another_tenant_reads_no_saved_report_or_dashboard(
    client, as_alpha, as_beta, user_ids, app_db, tenants
):
    admin = as_alpha["admin"]
    name = await _object(client, admin, user_ids)
    report = (
        await gql(
            client,
            SAVE,
            {
                "i": {
                    "name": "Ours",
                    "kind": "AGGREGATE",
                    "params": _params(name),
                    "sharing": {"visibility": "SHARED", "sharedRoles": ["ADMIN", "MEMBER"]},
                }
            },
            token=admin,
        )
    ).data["saveReport"]
    board = (
        await gql(
            client,
            SAVE_DASHBOARD,
            {"i": {"name": "Ours", "widgets": [{"reportId": report["id"]}]}},
            token=admin,
        )
    ).data["saveDashboard"]
    for item in (report, board):
        assert (await gql(client, NODE, {"id": item["id"]}, token=as_beta["admin"])).data[
            "node"
        ] is None
    assert report["id"] not in [
        r["id"]
        for r in (await gql(client, "{ savedReports { id } }", token=as_beta["admin"])).data[
            "savedReports"
        ]
    ]
    changed = await gql(
        client, SAVE, {"i": {"id": report["id"], "name": "Theirs"}}, token=as_beta["admin"]
    )
    assert changed.codes == ["NOT_FOUND"]
    gone = await gql(
        client,
        "mutation($i: DeleteSavedInput!) { deleteReport(input: $i) { id } }",
        {"i": {"id": report["id"]}},
        token=as_beta["admin"],
    )
    assert gone.codes == ["NOT_FOUND"]
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        for table, item in (("saved_report", report), ("dashboard", board)):
            assert (
                await app_db.fetchval(
                    f"SELECT count(*) FROM {table} WHERE id = $1", raw(item["id"])
                )
                == 0
            )
            assert (
                await app_db.execute(
                    f"UPDATE {table} SET name = 'x' WHERE id = $1", raw(item["id"])
                )
                == "UPDATE 0"
            )
