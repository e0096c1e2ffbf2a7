"""duplicateCandidates (of a record, of values) and convertLead linking what the rules match."""

from __future__ import annotations

import uuid

from tests.duplicates.support import create_customer, domain_name, rule
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql

BY_RECORD = (
    "query($id: ID!) { duplicateCandidates(recordId: $id) { recordId ruleName action score } }"
)
BY_VALUES = (
    "query($object: String!, $values: JSON!) { duplicateCandidates(object: $object, values: $values) "
    "{ recordId ruleName action } }"
)
CONVERT = (
    "mutation($input: ConvertLeadInput!) { convertLead(input: $input) { status convertedCustomerLinked "
    "convertedContactLinked convertedCustomer { id } convertedContact { id } } }"
)
CREATE_CONTACT = "mutation($input: CreateContactInput!) { createContact(input: $input) { id } }"
CREATE_LEAD = "mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }"


async def test_candidates_of_a_record_include_allow_rules(client, as_alpha):
    token = as_alpha["admin"]
    stem = uuid.uuid4().hex[:10]
    async with rule(
        client,
        token,
        object="Customer",
        name="Similar names",
        action="ALLOW",
        conditions=[{"field": "name", "match": "FUZZY", "threshold": 80}],
    ):
        first = (await create_customer(client, token, name=f"Globex {stem} Industries")).data[
            "createCustomer"
        ]
        second = (await create_customer(client, token, name=f"Globex {stem} Industry")).data[
            "createCustomer"
        ]
        # ALLOW rules stay out of likelyDuplicates, but are candidates.
        assert second["likelyDuplicates"] == []
        found = (await gql(client, BY_RECORD, {"id": second["id"]}, token=token)).data[
            "duplicateCandidates"
        ]
        assert [(m["recordId"], m["ruleName"], m["action"]) for m in found] == [
            (first["id"], "Similar names", "ALLOW")
        ]
        assert 80 <= found[0]["score"] < 100


async def test_candidates_of_values_not_stored(client, as_alpha):
    token = as_alpha["admin"]
    email = f"{uuid.uuid4().hex[:8]}@Example.com"
    contact = (
        await gql(
            client, CREATE_CONTACT, {"input": {"name": "Li Wei", "emails": [email]}}, token=token
        )
    ).data["createContact"]
    found = (
        await gql(
            client,
            BY_VALUES,
            {"object": "Contact", "values": {"emails": [email.upper()]}},
            token=token,
        )
    ).data
    assert found["duplicateCandidates"] == [
        {"recordId": contact["id"], "ruleName": "Same email", "action": "WARN"}
    ]

    domain = domain_name()
    customer = (await create_customer(client, token, domain=domain)).data["createCustomer"]
    by_site = await gql(
        client,
        BY_VALUES,
        {"object": "Customer", "values": {"website": f"https://www.{domain}"}},
        token=token,
    )
    assert [m["recordId"] for m in by_site.data["duplicateCandidates"]] == [customer["id"]]

    obj = await make_object(client, token, [{"apiName": "mail", "type": "EMAIL"}], stem="dealer")
    async with rule(
        client, token, object=obj, name="Same mail", action="ALLOW", conditions=[{"field": "mail"}]
    ):
        record = (await create_record(client, token, obj, {"mail": "a@dealer.example"})).data[
            "createRecord"
        ]
        custom = await gql(
            client, BY_VALUES, {"object": obj, "values": {"mail": "A@dealer.example"}}, token=token
        )
        assert [m["recordId"] for m in custom.data["duplicateCandidates"]] == [record["id"]]
        assert [
            m["recordId"]
            for m in (await gql(client, BY_RECORD, {"id": record["id"]}, token=token)).data[
                "duplicateCandidates"
            ]
        ] == []


async def test_bad_candidate_questions(client, as_alpha):
    token = as_alpha["admin"]
    neither = await gql(client, "{ duplicateCandidates { recordId } }", token=token)
    assert neither.codes == ["BAD_USER_INPUT"]
    unknown = await gql(
        client,
        BY_VALUES,
        {"object": "Contact", "values": {"shoeSize": 42, "emails": ["x@y.example"]}},
        token=token,
    )
    assert [(e["field"], e["code"]) for e in unknown.errors[0]["extensions"]["fieldErrors"]] == [
        ("values.shoeSize", "UNKNOWN_FIELD")
    ]
    wrong_type = await gql(
        client,
        BY_RECORD,
        {"id": "T3Bwb3J0dW5pdHk6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"},
        token=token,
    )
    assert wrong_type.codes == ["BAD_USER_INPUT"]


async def test_another_tenant_gets_no_candidates(client, as_alpha, as_beta):
    domain = domain_name()
    alpha = (await create_customer(client, as_alpha["admin"], domain=domain)).data["createCustomer"]
    assert (await gql(client, BY_RECORD, {"id": alpha["id"]}, token=as_beta["admin"])).codes == [
        "NOT_FOUND"
    ]
    found = await gql(
        client,
        BY_VALUES,
        {"object": "Customer", "values": {"domain": domain}},
        token=as_beta["admin"],
    )
    assert found.data["duplicateCandidates"] == []


async def test_convert_lead_links_the_matching_customer_and_contact(client, as_alpha):
    token = as_alpha["admin"]
    stem = uuid.uuid4().hex[:8]
    email = f"wang.{stem}@example.com"
    customer = (await create_customer(client, token, name=f"{stem} Trading Co., Ltd.")).data[
        "createCustomer"
    ]
    contact = (
        await gql(
            client,
            CREATE_CONTACT,
            {"input": {"name": "Wang Fang", "emails": [email], "customerId": customer["id"]}},
            token=token,
        )
    ).data["createContact"]
    lead = (
        await gql(
            client,
            CREATE_LEAD,
            {
                "input": {
                    "personName": "Fang Wang",
                    "companyName": f"{stem.upper()} TRADING",
                    "email": email.upper(),
                }
            },
            token=token,
        )
    ).data["createLead"]

    converted = (await gql(client, CONVERT, {"input": {"leadId": lead["id"]}}, token=token)).data[
        "convertLead"
    ]
    assert converted == {
        "status": "CONVERTED",
        "convertedCustomerLinked": True,
        "convertedContactLinked": True,
        "convertedCustomer": {"id": customer["id"]},
        "convertedContact": {"id": contact["id"]},
    }
    customers = await gql(
        client,
        "query($s: String!) { customers(search: $s) { totalCount } }",
        {"s": stem},
        token=token,
    )
    assert customers.data["customers"]["totalCount"] == 1


async def test_convert_lead_creates_when_nothing_matches_and_says_so(client, as_alpha):
    token = as_alpha["admin"]
    stem = uuid.uuid4().hex[:8]
    lead = (
        await gql(
            client,
            CREATE_LEAD,
            {"input": {"personName": f"P {stem}", "companyName": f"Unique {stem}"}},
            token=token,
        )
    ).data["createLead"]
    converted = (await gql(client, CONVERT, {"input": {"leadId": lead["id"]}}, token=token)).data[
        "convertLead"
    ]
    assert (converted["convertedCustomerLinked"], converted["convertedContactLinked"]) == (
        False,
        False,
    )


async def test_convert_lead_never_links_what_the_converter_cannot_see(client, as_alpha, user_ids):
    stem = uuid.uuid4().hex[:8]
    hidden = (
        await create_customer(
            client, as_alpha["admin"], name=f"Hidden {stem} GmbH", ownerId=user_ids["manager"]
        )
    ).data
    member = as_alpha["member"]
    lead = (
        await gql(client, CREATE_LEAD, {"input": {"companyName": f"Hidden {stem}"}}, token=member)
    ).data["createLead"]
    converted = (await gql(client, CONVERT, {"input": {"leadId": lead["id"]}}, token=member)).data[
        "convertLead"
    ]
    assert converted["convertedCustomerLinked"] is False
    assert converted["convertedCustomer"]["id"] != hidden["createCustomer"]["id"]
