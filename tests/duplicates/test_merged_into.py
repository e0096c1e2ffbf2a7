"""Where a merged record went: node(id:) of a merged customer, contact, lead or custom record
answers with its deletedAt and `mergedInto`, the survivor; an unmerge clears it; another tenant
sees nothing."""

from __future__ import annotations

from tests.duplicates.support import create_customer
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql

MERGE = "mutation($input: MergeRecordsInput!) { mergeRecords(input: $input) { id } }"
UNMERGE = "mutation($id: ID!) { unmergeRecords(input: {mergeId: $id}) { id } }"
WHERE = """query($id: ID!) { node(id: $id) { id ... on Customer { deletedAt
  mergedInto { id ... on Customer { name mergedInto { id } } } }
  ... on CustomRecord { deletedAt mergedInto { id ... on CustomRecord { values } } } } }"""


async def merge(client, token, object_name, survivor, merged):
    done = await gql(
        client,
        MERGE,
        {"input": {"object": object_name, "survivorId": survivor, "mergedIds": [merged]}},
        token=token,
    )
    return done.data["mergeRecords"]["id"]


async def test_a_merged_customer_names_its_survivor_until_unmerged(client, as_alpha, as_beta):
    token = as_alpha["admin"]
    survivor = (await create_customer(client, token)).data["createCustomer"]
    merged = (await create_customer(client, token)).data["createCustomer"]
    live = (await gql(client, WHERE, {"id": survivor["id"]}, token=token)).data["node"]
    assert live["mergedInto"] is None and live["deletedAt"] is None

    merge_id = await merge(client, token, "Customer", survivor["id"], merged["id"])
    gone = (await gql(client, WHERE, {"id": merged["id"]}, token=token)).data["node"]
    assert gone["deletedAt"] is not None
    assert gone["mergedInto"]["id"] == survivor["id"]
    assert gone["mergedInto"]["mergedInto"] is None  # the survivor is live
    assert (await gql(client, WHERE, {"id": merged["id"]}, token=as_beta["admin"])).data[
        "node"
    ] is None

    await gql(client, UNMERGE, {"id": merge_id}, token=token)
    back = (await gql(client, WHERE, {"id": merged["id"]}, token=token)).data["node"]
    assert back["deletedAt"] is None and back["mergedInto"] is None


async def test_a_merged_custom_record_names_its_survivor(client, as_alpha, as_beta):
    token = as_alpha["admin"]
    obj = await make_object(client, token, [{"apiName": "title", "type": "TEXT"}], stem="merged")
    survivor = (await create_record(client, token, obj, {"title": "Keep"})).data["createRecord"]
    merged = (await create_record(client, token, obj, {"title": "Drop"})).data["createRecord"]
    await merge(client, token, obj, survivor["id"], merged["id"])
    gone = (await gql(client, WHERE, {"id": merged["id"]}, token=token)).data["node"]
    assert gone["deletedAt"] is not None
    assert gone["mergedInto"]["id"] == survivor["id"]
    assert gone["mergedInto"]["values"]["title"] == "Keep"
    assert (await gql(client, WHERE, {"id": merged["id"]}, token=as_beta["admin"])).data[
        "node"
    ] is None
