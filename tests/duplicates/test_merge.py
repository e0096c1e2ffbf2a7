"""mergeRecords and unmergeRecords: what moves to the survivor and back, all or nothing, the
audit trail and events, rights, two merges of one record at once, tenant isolation."""

from __future__ import annotations

import asyncio
import uuid

from tests.duplicates.support import create_customer, domain_name
from tests.support.custom import create_record, make_field, make_object
from tests.support.graphql import gql

MERGE = (
    "mutation($input: MergeRecordsInput!) { mergeRecords(input: $input) "
    "{ id object survivorId mergedIds moved mergedAt undoneAt } }"
)
UNMERGE = "mutation($id: ID!) { unmergeRecords(input: {mergeId: $id}) { id undoneAt } }"
CUSTOMER = (
    "query($id: ID!) { node(id: $id) { ... on Customer { id name website version deletedAt tags "
    "contacts { edges { node { id } } } timeline { edges { node { subject } } } "
    "history { edges { node { action } } } } } }"
)
UPSERT = "mutation($input: UpsertRecordsInput!) { upsertRecords(input: $input) { id externalId } }"
BY_EXTERNAL = 'query($s: String!, $e: String!) { recordByExternalId(object: "Customer", system: $s, externalId: $e) { id } }'


async def _customer_with_everything(client, token, **fields) -> dict:
    system, external = "erp", f"E-{uuid.uuid4().hex[:8]}"
    made = await gql(
        client,
        UPSERT,
        {
            "input": {
                "object": "Customer",
                "system": system,
                "items": [
                    {
                        "externalId": external,
                        "values": {"name": f"Merged {uuid.uuid4().hex[:6]}", **fields},
                    }
                ],
            }
        },
        token=token,
    )
    customer_id = made.data["upsertRecords"][0]["id"]
    contact = await gql(
        client,
        'mutation($c: ID!) { createContact(input: {name: "Moved person", customerId: $c}) { id } }',
        {"c": customer_id},
        token=token,
    )
    await gql(
        client,
        'mutation($r: ID!) { logActivity(input: {recordId: $r, kind: "NOTE", subject: "moved note"}) { id } }',
        {"r": customer_id},
        token=token,
    )
    await gql(
        client,
        'mutation($r: ID!) { addTags(input: {recordId: $r, names: ["vip"]}) }',
        {"r": customer_id},
        token=token,
    )
    return {
        "id": customer_id,
        "contact": contact.data["createContact"]["id"],
        "system": system,
        "external": external,
    }


async def test_merge_moves_everything_and_unmerge_puts_it_back(client, as_alpha):
    token = as_alpha["admin"]
    survivor = (await create_customer(client, token, name="Survivor Ltd")).data["createCustomer"]
    site = f"https://{domain_name()}"
    merged = await _customer_with_everything(client, token, website=site)

    merge = await gql(
        client,
        MERGE,
        {
            "input": {
                "object": "Customer",
                "survivorId": survivor["id"],
                "mergedIds": [merged["id"]],
                "fieldChoices": {"website": merged["id"]},
            }
        },
        token=token,
    )
    result = merge.data["mergeRecords"]
    assert result["survivorId"] == survivor["id"] and result["mergedIds"] == [merged["id"]]
    assert result["moved"] == {
        "contact.customer_id": 1,
        "activity": 1,
        "external_id": 1,
        "record_tag": 1,
    }

    after = (await gql(client, CUSTOMER, {"id": survivor["id"]}, token=token)).data["node"]
    assert after["website"] == site and after["tags"] == ["vip"]
    assert [e["node"]["id"] for e in after["contacts"]["edges"]] == [merged["contact"]]
    assert [e["node"]["subject"] for e in after["timeline"]["edges"]] == ["moved note"]
    assert "merged" in [e["node"]["action"] for e in after["history"]["edges"]]
    gone = (await gql(client, CUSTOMER, {"id": merged["id"]}, token=token)).data["node"]
    assert gone is None or gone["deletedAt"] is not None
    found = await gql(
        client, BY_EXTERNAL, {"s": merged["system"], "e": merged["external"]}, token=token
    )
    assert found.data["recordByExternalId"]["id"] == survivor["id"]

    undone = (await gql(client, UNMERGE, {"id": result["id"]}, token=token)).data["unmergeRecords"]
    assert undone["undoneAt"] is not None
    back = (await gql(client, CUSTOMER, {"id": merged["id"]}, token=token)).data["node"]
    assert back["deletedAt"] is None and back["tags"] == ["vip"]
    assert [e["node"]["id"] for e in back["contacts"]["edges"]] == [merged["contact"]]
    assert [e["node"]["subject"] for e in back["timeline"]["edges"]] == ["moved note"]
    survivor_again = (await gql(client, CUSTOMER, {"id": survivor["id"]}, token=token)).data["node"]
    assert (
        survivor_again["website"] is None
        and survivor_again["tags"] == []
        and survivor_again["contacts"]["edges"] == []
    )
    found = await gql(
        client, BY_EXTERNAL, {"s": merged["system"], "e": merged["external"]}, token=token
    )
    assert found.data["recordByExternalId"]["id"] == merged["id"]
    again = await gql(client, UNMERGE, {"id": result["id"]}, token=token)
    assert (
        again.codes == ["CONFLICT"] and again.errors[0]["extensions"]["reason"] == "ALREADY_UNDONE"
    )


async def test_merge_writes_events_for_automations_and_webhooks(client, as_alpha, owner_db):
    token = as_alpha["admin"]
    survivor = (await create_customer(client, token)).data["createCustomer"]
    merged = (await create_customer(client, token)).data["createCustomer"]
    assert (
        await gql(
            client,
            MERGE,
            {
                "input": {
                    "object": "Customer",
                    "survivorId": survivor["id"],
                    "mergedIds": [merged["id"]],
                }
            },
            token=token,
        )
    ).data
    rows = await owner_db.fetch(
        "SELECT event_type FROM outbox_event WHERE record_id = ANY($1::uuid[]) ORDER BY occurred_at",
        [uuid.UUID(_node_id(survivor["id"])), uuid.UUID(_node_id(merged["id"]))],
    )
    types = [r["event_type"] for r in rows]
    assert "Customer.merged" in types and "Customer.merged_into" in types


async def test_merge_custom_records_moves_relation_values_and_recomputes_rollups(client, as_alpha):
    token = as_alpha["admin"]
    parent = await make_object(client, token, [{"apiName": "code", "type": "TEXT"}], stem="account")
    child = await make_object(
        client, token, [{"apiName": "amount", "type": "INTEGER"}], stem="order"
    )
    await make_field(
        client, token, child, apiName="account", type="RELATION", config={"target": parent}
    )
    await make_field(
        client,
        token,
        parent,
        apiName="total",
        type="ROLLUP",
        config={
            "childObject": child,
            "relationField": "account",
            "function": "SUM",
            "field": "amount",
        },
    )
    keep = (await create_record(client, token, parent, {"code": "K"})).data["createRecord"]
    drop = (await create_record(client, token, parent, {"code": "D"})).data["createRecord"]
    await create_record(client, token, child, {"amount": 5, "account": keep["id"]})
    order = (await create_record(client, token, child, {"amount": 7, "account": drop["id"]})).data[
        "createRecord"
    ]
    values = "query($id: ID!) { record(id: $id) { values deletedAt } }"
    assert (await gql(client, values, {"id": keep["id"]}, token=token)).data["record"][
        "values"
    ] == {"code": "K", "total": "5.00"}

    merge = await gql(
        client,
        MERGE,
        {
            "input": {
                "object": parent,
                "survivorId": keep["id"],
                "mergedIds": [drop["id"]],
                "fieldChoices": {"code": drop["id"]},
            }
        },
        token=token,
    )
    assert merge.data["mergeRecords"]["moved"] == {f"custom_record.{child}.account": 1}
    assert (await gql(client, values, {"id": keep["id"]}, token=token)).data["record"][
        "values"
    ] == {"code": "D", "total": "12.00"}
    assert (await gql(client, values, {"id": order["id"]}, token=token)).data["record"]["values"][
        "account"
    ] == keep["id"]

    assert (await gql(client, UNMERGE, {"id": merge.data["mergeRecords"]["id"]}, token=token)).data
    assert (await gql(client, values, {"id": keep["id"]}, token=token)).data["record"][
        "values"
    ] == {"code": "K", "total": "5.00"}
    assert (await gql(client, values, {"id": drop["id"]}, token=token)).data["record"]["values"][
        "total"
    ] == "7.00"


async def test_two_merges_of_one_record_at_once(client, as_alpha):
    token = as_alpha["admin"]
    first = (await create_customer(client, token)).data["createCustomer"]
    second = (await create_customer(client, token)).data["createCustomer"]
    contested = await _customer_with_everything(client, token)

    results = await asyncio.gather(
        *[
            gql(
                client,
                MERGE,
                {
                    "input": {
                        "object": "Customer",
                        "survivorId": s["id"],
                        "mergedIds": [contested["id"]],
                    }
                },
                token=token,
            )
            for s in (first, second)
        ]
    )
    winners = [r for r in results if not r.errors]
    losers = [r for r in results if r.errors]
    assert len(winners) == 1 and [r.codes for r in losers] == [["CONFLICT"]]
    assert losers[0].errors[0]["extensions"]["reason"] == "ALREADY_MERGED"
    winner = winners[0].data["mergeRecords"]["survivorId"]
    contacts = (await gql(client, CUSTOMER, {"id": winner}, token=token)).data["node"]["contacts"][
        "edges"
    ]
    assert [e["node"]["id"] for e in contacts] == [contested["contact"]]
    loser = second["id"] if winner == first["id"] else first["id"]
    assert (await gql(client, CUSTOMER, {"id": loser}, token=token)).data["node"]["version"] == 1


async def test_rights_and_bad_input(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    a = (await create_customer(client, admin)).data["createCustomer"]
    b = (await create_customer(client, admin)).data["createCustomer"]
    # Members may update customers but not delete them: no merging.
    member = await gql(
        client,
        MERGE,
        {"input": {"object": "Customer", "survivorId": a["id"], "mergedIds": [b["id"]]}},
        token=as_alpha["member"],
    )
    assert member.codes == ["FORBIDDEN"]
    # A manager cannot merge a record they cannot see.
    hidden = (await create_customer(client, admin, ownerId=user_ids["admin"])).data[
        "createCustomer"
    ]
    manager = await gql(
        client,
        MERGE,
        {"input": {"object": "Customer", "survivorId": a["id"], "mergedIds": [hidden["id"]]}},
        token=as_alpha["manager"],
    )
    assert manager.codes == ["NOT_FOUND"]
    itself = await gql(
        client,
        MERGE,
        {"input": {"object": "Customer", "survivorId": a["id"], "mergedIds": [a["id"]]}},
        token=admin,
    )
    assert [e["field"] for e in itself.errors[0]["extensions"]["fieldErrors"]] == ["mergedIds"]
    unknown = await gql(
        client,
        MERGE,
        {
            "input": {
                "object": "Customer",
                "survivorId": a["id"],
                "mergedIds": [b["id"]],
                "fieldChoices": {"shoeSize": b["id"], "id": b["id"]},
            }
        },
        token=admin,
    )
    assert sorted(e["field"] for e in unknown.errors[0]["extensions"]["fieldErrors"]) == [
        "fieldChoices.id",
        "fieldChoices.shoeSize",
    ]
    # Nothing happened: b is still there.
    assert (await gql(client, CUSTOMER, {"id": b["id"]}, token=admin)).data["node"][
        "deletedAt"
    ] is None


async def test_another_tenant_can_neither_merge_nor_unmerge(
    client, as_alpha, as_beta, tenants, app_db
):
    token = as_alpha["admin"]
    a = (await create_customer(client, token)).data["createCustomer"]
    b = (await create_customer(client, token)).data["createCustomer"]
    beta = await gql(
        client,
        MERGE,
        {"input": {"object": "Customer", "survivorId": a["id"], "mergedIds": [b["id"]]}},
        token=as_beta["admin"],
    )
    assert beta.codes == ["NOT_FOUND"]
    merge = (
        await gql(
            client,
            MERGE,
            {"input": {"object": "Customer", "survivorId": a["id"], "mergedIds": [b["id"]]}},
            token=token,
        )
    ).data["mergeRecords"]
    assert (await gql(client, UNMERGE, {"id": merge["id"]}, token=as_beta["admin"])).codes == [
        "NOT_FOUND"
    ]
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM record_merge WHERE tenant_id <> $1",
                uuid.UUID(tenants["beta"].id),
            )
            == 0
        )
    assert await app_db.fetchval("SELECT count(*) FROM record_merge") == 0


def _node_id(global_id: str) -> str:
    import base64

    return base64.b64decode(global_id).decode().split(":", 1)[1]
