"""Text search over customers, contacts and leads."""

from __future__ import annotations

from tests.support.records import make_contact, make_customer, unique
from tests.support.graphql import gql

SEARCH = "query($t: String!) { search(text: $t) { customers { name } contacts { name } leads { companyName } } }"


async def test_search_by_name_prefix_email_phone_and_company(client, as_alpha, as_beta):
    word = unique("Zenith").lower().replace("-", "")
    customer = await make_customer(client, as_alpha["admin"], name=f"{word} Robotics", domain=f"{word}.example")
    await make_contact(client, as_alpha["admin"], name=f"Mei {word}", emails=[f"mei@{word}.example"],
                       phones=["+8613912345678"], customerId=customer["id"])
    await gql(client, "mutation($c: String!) { createLead(input: {companyName: $c, phone: \"+14155550123\"}) { id } }",
              {"c": f"{word} Holdings"}, token=as_alpha["admin"])

    everything = (await gql(client, SEARCH, {"t": word[:6]}, token=as_alpha["admin"])).data["search"]
    assert [c["name"] for c in everything["customers"]] == [f"{word} Robotics"]
    assert [c["name"] for c in everything["contacts"]] == [f"Mei {word}"]
    assert [lead["companyName"] for lead in everything["leads"]] == [f"{word} Holdings"]

    by_email = await gql(client, "query($t: String!) { contacts(search: $t) { edges { node { name } } } }",
                         {"t": f"mei@{word}"}, token=as_alpha["admin"])
    assert len(by_email.data["contacts"]["edges"]) == 1
    by_phone = await gql(client, "query($t: String!) { contacts(search: $t) { totalCount } }", {"t": "8613912345678"}, token=as_alpha["admin"])
    assert by_phone.data["contacts"]["totalCount"] >= 1
    both_words = await gql(client, "query($t: String!) { customers(search: $t) { totalCount } }", {"t": f"{word[:4]} robo"}, token=as_alpha["admin"])
    assert both_words.data["customers"]["totalCount"] == 1
    # Another tenant finds nothing.
    assert (await gql(client, SEARCH, {"t": word}, token=as_beta["admin"])).data["search"] == {"customers": [], "contacts": [], "leads": []}


async def test_search_input_is_checked(client, as_alpha):
    assert (await gql(client, SEARCH, {"t": "  !!! "}, token=as_alpha["admin"])).codes == ["BAD_USER_INPUT"]
    assert (await gql(client, SEARCH, {"t": "x" * 201}, token=as_alpha["admin"])).codes == ["BAD_USER_INPUT"]
    odd = await gql(client, SEARCH, {"t": "o'brien & | ! :*"}, token=as_alpha["admin"])
    assert odd.codes == []  # quotes and operators are not syntax for the caller
