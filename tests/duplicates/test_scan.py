"""The tenant-wide duplicate scan: a job that groups existing duplicates into sets, with progress;
admins only; another tenant neither sees the job nor gets its records scanned."""

from __future__ import annotations

from tests.duplicates.support import rule
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql
from tests.support.jobs import run_queued_jobs

START = "mutation($o: String!) { startDuplicateScan(input: {object: $o}) { id kind status } }"
JOB = "query($id: ID!) { job(id: $id) { status progressDone progressTotal result error } }"


async def test_a_scan_groups_duplicates_into_sets(client, as_alpha, as_beta):
    token = as_alpha["admin"]
    obj = await make_object(
        client,
        token,
        [{"apiName": "mail", "type": "EMAIL"}, {"apiName": "company", "type": "TEXT"}],
        stem="supplier",
    )
    made = {}
    for name, values in {
        "a1": {"mail": "x@a.example", "company": "Alpha One"},
        "a2": {"mail": "X@A.example", "company": "Northwind Traders"},
        "a3": {"mail": "other@a.example", "company": "Northwind Trader"},
        "b": {"mail": "b@b.example", "company": "Contoso"},
        "c1": {"mail": "c@c.example", "company": "Fabrikam"},
        "c2": {"mail": "c@c.example", "company": "Tailspin"},
    }.items():
        made[name] = (await create_record(client, token, obj, values)).data["createRecord"]["id"]
    async with (
        rule(
            client,
            token,
            object=obj,
            name="Same mail",
            action="ALLOW",
            conditions=[{"field": "mail"}],
        ),
        rule(
            client,
            token,
            object=obj,
            name="Similar company",
            action="ALLOW",
            conditions=[
                {"field": "company", "match": "FUZZY", "threshold": 90, "compareAs": "COMPANY_NAME"}
            ],
        ),
    ):
        assert (await gql(client, START, {"o": obj}, token=as_alpha["member"])).codes == [
            "FORBIDDEN"
        ]
        job = (await gql(client, START, {"o": obj}, token=token)).data["startDuplicateScan"]
        assert (job["kind"], job["status"]) == ("duplicates.scan", "QUEUED")
        await run_queued_jobs()

    done = (await gql(client, JOB, {"id": job["id"]}, token=token)).data["job"]
    assert (done["status"], done["progressDone"], done["progressTotal"]) == ("SUCCEEDED", 6, 6), (
        done
    )
    result = done["result"]
    assert (result["object"], result["recordsScanned"], result["setsCount"]) == (obj, 6, 2)
    # Global ids, as everywhere in the API: node(id:) reads them, mergeRecords takes them.
    sets = {frozenset(s["recordIds"]): s["rules"] for s in result["sets"]}
    assert sets == {
        frozenset({made["a1"], made["a2"], made["a3"]}): ["Same mail", "Similar company"],
        frozenset({made["c1"], made["c2"]}): ["Same mail"],
    }
    # Another tenant sees neither the job nor the object.
    assert (await gql(client, JOB, {"id": job["id"]}, token=as_beta["admin"])).data["job"] is None
    refused = await gql(client, START, {"o": obj}, token=as_beta["admin"])
    assert [e["code"] for e in refused.errors[0]["extensions"]["fieldErrors"]] == ["UNKNOWN_OBJECT"]
