"""Leads and their conversion."""

from __future__ import annotations

from tests.support.graphql import gql
from tests.support.records import make_customer, unique

CREATE = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id personName companyName email phone status lifecycleStage score owner { email } } }"
CONVERT = """
mutation($input: ConvertLeadInput!) {
  convertLead(input: $input) {
    id status lifecycleStage convertedAt
    convertedCustomer { id name region lifecycleStage }
    convertedContact { id name emails phones customer { id } }
    convertedOpportunity { id name channel campaign { name } customer { id } primaryContact { id } stage { name } }
  }
}
"""
COUNTS = "query($n: String!) { customers(filter: {name: {eq: $n}}) { totalCount } contacts(filter: {name: {eq: $n}}) { totalCount } }"


async def _campaign(client, token) -> str:
    response = await gql(
        client,
        'mutation($n: String!) { createCampaign(input: {name: $n, channel: EVENT, cost: "1200.50"}) { id cost } }',
        {"n": unique("Expo")},
        token=token,
    )
    assert response.data["createCampaign"]["cost"] == "1200.50"
    return response.data["createCampaign"]["id"]


async def _lead(client, token, **fields) -> dict:
    fields.setdefault("personName", unique("Wang"))
    fields.setdefault("companyName", unique("Wang Trading"))
    return (await gql(client, CREATE, {"input": fields}, token=token)).data["createLead"]


async def test_create_lead_normalises_and_validates(client, as_alpha):
    lead = await _lead(
        client, as_alpha["member"], email="Wang@Example.COM", phone="+86 21 6123 4567", score=40
    )
    assert lead["email"] == "Wang@example.com" and lead["phone"] == "+862161234567"
    assert (
        lead["status"] == "NEW"
        and lead["lifecycleStage"] == "LEAD"
        and lead["owner"]["email"] == "member@alpha.test"
    )

    bad = await gql(
        client,
        CREATE,
        {
            "input": {
                "email": "nope",
                "phone": "123",
                "score": 5000,
                "status": "CONVERTED",
            }
        },
        token=as_alpha["member"],
    )
    codes = {e["field"]: e["code"] for e in bad.errors[0]["extensions"]["fieldErrors"]}
    assert codes == {
        "email": "INVALID_EMAIL",
        "phone": "INVALID_PHONE",
        "score": "OUT_OF_RANGE",
        "status": "INVALID_CHOICE",
        "personName": "REQUIRED",
    }


async def test_convert_creates_customer_contact_and_opportunity_with_attribution(client, as_alpha):
    campaign = await _campaign(client, as_alpha["admin"])
    lead = await _lead(
        client,
        as_alpha["member"],
        email="li@example.com",
        phone="+8613800138000",
        region="East",
        campaignId=campaign,
        sourceChannel="EVENT",
    )

    converted = (
        await gql(
            client,
            CONVERT,
            {"input": {"leadId": lead["id"], "createOpportunity": True}},
            token=as_alpha["member"],
        )
    ).data["convertLead"]

    assert (
        converted["status"] == "CONVERTED"
        and converted["lifecycleStage"] == "OPPORTUNITY"
        and converted["convertedAt"]
    )
    customer, contact, deal = (
        converted["convertedCustomer"],
        converted["convertedContact"],
        converted["convertedOpportunity"],
    )
    assert customer["name"] == lead["companyName"] and customer["region"] == "East"
    assert contact["name"] == lead["personName"] and contact["emails"] == ["li@example.com"]
    assert contact["phones"] == ["+8613800138000"] and contact["customer"]["id"] == customer["id"]
    assert (
        deal["channel"] == "EVENT"
        and deal["campaign"] is not None
        and deal["stage"]["name"] == "Qualification"
    )
    assert (
        deal["customer"]["id"] == customer["id"] and deal["primaryContact"]["id"] == contact["id"]
    )


async def test_convert_into_an_existing_customer_without_opportunity(client, as_alpha):
    customer = await make_customer(client, as_alpha["member"])
    lead = await _lead(client, as_alpha["member"])
    converted = (
        await gql(
            client,
            CONVERT,
            {"input": {"leadId": lead["id"], "customerId": customer["id"]}},
            token=as_alpha["member"],
        )
    ).data["convertLead"]
    assert (
        converted["convertedCustomer"]["id"] == customer["id"]
        and converted["convertedOpportunity"] is None
    )
    assert (
        converted["lifecycleStage"] == "SQL"
        and converted["convertedCustomer"]["lifecycleStage"] == "SQL"
    )


async def test_converting_twice_is_a_conflict(client, as_alpha):
    lead = await _lead(client, as_alpha["member"])
    assert (
        await gql(client, CONVERT, {"input": {"leadId": lead["id"]}}, token=as_alpha["member"])
    ).data
    again = await gql(client, CONVERT, {"input": {"leadId": lead["id"]}}, token=as_alpha["member"])
    assert again.codes == ["CONFLICT"]
    counts = (await gql(client, COUNTS, {"n": lead["companyName"]}, token=as_alpha["admin"])).data
    assert counts["customers"]["totalCount"] == 1


async def test_a_failure_halfway_leaves_nothing_behind(client, as_alpha):
    other = await gql(
        client,
        'mutation { createPipeline(input: {name: "Other", stages: [{name: "Only", probability: 5, kind: "OPEN"}]}) { id } }',
        token=as_alpha["admin"],
    )
    foreign_stage = (
        await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Pipeline { stages { id } } } }",
            {"id": other.data["createPipeline"]["id"]},
            token=as_alpha["admin"],
        )
    ).data["node"]["stages"][0]["id"]
    lead = await _lead(client, as_alpha["member"])

    # Customer and contact are created before the opportunity fails on a stage of another pipeline.
    failed = await gql(
        client,
        CONVERT,
        {"input": {"leadId": lead["id"], "opportunity": {"stageId": foreign_stage}}},
        token=as_alpha["member"],
    )

    assert failed.codes == ["BAD_USER_INPUT"]
    assert failed.errors[0]["extensions"]["fieldErrors"][0]["field"] == "opportunity.stageId"
    counts = (await gql(client, COUNTS, {"n": lead["companyName"]}, token=as_alpha["admin"])).data
    assert counts == {"customers": {"totalCount": 0}, "contacts": {"totalCount": 0}}
    status = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Lead { status } } }",
        {"id": lead["id"]},
        token=as_alpha["member"],
    )
    assert status.data["node"]["status"] == "NEW"


async def test_who_may_convert(client, as_alpha, as_beta):
    lead = await _lead(client, as_alpha["admin"], ownerId=None)
    assert (
        await gql(client, CONVERT, {"input": {"leadId": lead["id"]}}, token=as_alpha["agent"])
    ).codes == ["FORBIDDEN"]
    assert (
        await gql(client, CONVERT, {"input": {"leadId": lead["id"]}}, token=as_beta["admin"])
    ).codes == ["NOT_FOUND"]


async def test_campaign_dates_are_checked(client, as_alpha):
    response = await gql(
        client,
        'mutation { createCampaign(input: {name: "X", channel: ADS, startsOn: "2026-05-01", endsOn: "2026-04-01"}) { id } }',
        token=as_alpha["admin"],
    )
    assert response.errors[0]["extensions"]["fieldErrors"][0]["code"] == "BEFORE_START"
    assert (
        await gql(
            client,
            'mutation { createCampaign(input: {name: "X", channel: ADS}) { id } }',
            token=as_alpha["member"],
        )
    ).codes == ["FORBIDDEN"]
