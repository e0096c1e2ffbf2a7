"""Text search over customers, contacts and leads."""

from __future__ import annotations

import random
import uuid

import pytest

from tests.support.custom import create_record, make_object
from tests.support.graphql import gql
from tests.support.records import make_contact, make_customer, unique

SEARCH = "query($t: String!) { search(text: $t) { customers { name } contacts { name } leads { companyName } } }"


async def test_search_by_name_prefix_email_phone_and_company(client, as_alpha, as_beta):
    word = unique("Zenith").lower().replace("-", "")
    customer = await make_customer(
        client, as_alpha["admin"], name=f"{word} Robotics", domain=f"{word}.example"
    )
    await make_contact(
        client,
        as_alpha["admin"],
        name=f"Mei {word}",
        emails=[f"mei@{word}.example"],
        phones=["+8613912345678"],
        customerId=customer["id"],
    )
    await gql(
        client,
        'mutation($c: String!) { createLead(input: {companyName: $c, phone: "+14155550123"}) { id } }',
        {"c": f"{word} Holdings"},
        token=as_alpha["admin"],
    )

    everything = (await gql(client, SEARCH, {"t": word[:6]}, token=as_alpha["admin"])).data[
        "search"
    ]
    assert [c["name"] for c in everything["customers"]] == [f"{word} Robotics"]
    assert [c["name"] for c in everything["contacts"]] == [f"Mei {word}"]
    assert [lead["companyName"] for lead in everything["leads"]] == [f"{word} Holdings"]

    by_email = await gql(
        client,
        "query($t: String!) { contacts(search: $t) { edges { node { name } } } }",
        {"t": f"mei@{word}"},
        token=as_alpha["admin"],
    )
    assert len(by_email.data["contacts"]["edges"]) == 1
    by_phone = await gql(
        client,
        "query($t: String!) { contacts(search: $t) { totalCount } }",
        {"t": "8613912345678"},
        token=as_alpha["admin"],
    )
    assert by_phone.data["contacts"]["totalCount"] >= 1
    both_words = await gql(
        client,
        "query($t: String!) { customers(search: $t) { totalCount } }",
        {"t": f"{word[:4]} robo"},
        token=as_alpha["admin"],
    )
    assert both_words.data["customers"]["totalCount"] == 1
    # Another tenant finds nothing.
    assert (await gql(client, SEARCH, {"t": word}, token=as_beta["admin"])).data["search"] == {
        "customers": [],
        "contacts": [],
        "leads": [],
    }


async def test_search_input_is_checked(client, as_alpha):
    assert (await gql(client, SEARCH, {"t": "  !!! "}, token=as_alpha["admin"])).codes == [
        "BAD_USER_INPUT"
    ]
    assert (await gql(client, SEARCH, {"t": "x" * 201}, token=as_alpha["admin"])).codes == [
        "BAD_USER_INPUT"
    ]
    odd = await gql(client, SEARCH, {"t": "o'brien & | ! :*"}, token=as_alpha["admin"])
    assert odd.codes == []  # quotes and operators are not syntax for the caller


def han(count: int = 2) -> str:
    """Han characters no other test writes, so a search for them finds only this test's records."""
    return "".join(chr(0x4E00 + random.randrange(0x5000)) for _ in range(count))


async def _customer_names(client, token: str, text: str) -> set[str]:
    listing = await gql(
        client,
        "query($t: String!) { customers(search: $t, first: 100) { edges { node { name } } } }",
        {"t": text},
        token=token,
    )
    return {edge["node"]["name"] for edge in listing.data["customers"]["edges"]}


async def test_words_inside_chinese_names_are_found(client, as_alpha, as_beta):
    admin = as_alpha["admin"]
    tag = han()
    whole, spaced = f"上海{tag}科技有限公司", f"上海{tag} 科技"
    for name in (whole, spaced, "上海支道科技有限公司"):
        await make_customer(client, admin, name=name)

    # The case: a word in the middle of a name.
    assert "上海支道科技有限公司" in await _customer_names(client, admin, "支道科技")
    # Any contained word of two or more characters, the beginning as before, a single character.
    assert await _customer_names(client, admin, f"{tag}科技") == {whole}
    assert await _customer_names(client, admin, tag) == {whole, spaced}
    assert await _customer_names(client, admin, f"上海{tag}") == {whole, spaced}
    assert whole in await _customer_names(client, admin, "有限公司")
    assert whole in await _customer_names(client, admin, "司")
    # The characters must be adjacent, in order, within one run of text.
    assert await _customer_names(client, admin, f"{tag}技") == set()
    assert await _customer_names(client, admin, f"{tag[::-1]}") == set()
    # Several words all have to match.
    assert await _customer_names(client, admin, f"{tag} 有限") == {whole}
    assert await _customer_names(client, as_beta["admin"], tag) == set()


async def test_mixed_chinese_and_latin_text_is_found_by_either_part(client, as_alpha):
    admin = as_alpha["admin"]
    tag = han()
    name = f"{tag}手机店iPhone Store"
    await make_customer(client, admin, name=name)

    for text in (
        f"{tag}手机",
        "iphone" + tag[:1] + " store",
        f"iphone{tag}",
        f"{tag[1]}手机店",
        f"iph {tag}",
    ):
        assert name in await _customer_names(client, admin, text), text
    assert await _customer_names(client, admin, f"{tag}手机 android") == set()
    assert name not in await _customer_names(
        client, admin, "phone"
    )  # Latin words still match from their start


OBJECTS = {
    "contact": ("createContact(input: {name: $n}) { id }", "contacts"),
    "lead": ("createLead(input: {companyName: $n}) { id }", "leads"),
    "opportunity": ("createOpportunity(input: {name: $n}) { id }", "opportunities"),
    "ticket subject": ("createTicket(input: {subject: $n}) { id }", "tickets"),
    "ticket description": (
        'createTicket(input: {subject: "Printer", description: $n}) { id }',
        "tickets",
    ),
}


@pytest.mark.parametrize("kind", OBJECTS)
async def test_every_searchable_record_type_finds_chinese_words(
    client, as_alpha, as_beta, app_db, tenants, kind
):
    create, listing = OBJECTS[kind]
    tag = han()
    made = await gql(
        client,
        f"mutation($n: String!) {{ {create} }}",
        {"n": f"北京{tag}软件有限公司"},
        token=as_alpha["admin"],
    )
    record = next(iter(made.data.values()))["id"]
    query = f"query($t: String!) {{ {listing}(search: $t) {{ edges {{ node {{ id }} }} }} }}"

    found = await gql(client, query, {"t": f"{tag}软件"}, token=as_alpha["admin"])
    assert [edge["node"]["id"] for edge in found.data[listing]["edges"]] == [record]
    assert (await gql(client, query, {"t": f"{tag}软件"}, token=as_beta["admin"])).data[listing][
        "edges"
    ] == []
    # Row-level security alone keeps the match in its tenant.
    table = kind.split()[0]
    for slug, expected in (("alpha", 1), ("beta", 0)):
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants[slug].id)
            assert (
                await app_db.fetchval(
                    f"SELECT count(*) FROM {table} WHERE search_vector @@ to_tsquery('simple', $1)",
                    f"{tag} <-> {tag[1]}软",
                )
                == expected
            )


async def test_custom_records_find_chinese_words(client, as_alpha, as_beta):
    admin = as_alpha["admin"]
    name = await make_object(
        client,
        admin,
        [
            dict(apiName="title", type="TEXT"),
            dict(apiName="tags", type="MULTI_SELECT", config={"options": ["重点客户", "other"]}),
        ],
        stem="searched",
    )
    await gql(
        client,
        "mutation($i: UpdateObjectInput!) { updateObject(input: $i) { searchable } }",
        {"i": {"apiName": name, "version": 1, "searchable": True}},
        token=admin,
    )
    tag = han()
    await create_record(client, admin, name, {"title": f"深圳{tag}电子厂", "tags": ["重点客户"]})
    query = "query($o: String!, $s: String) { records(object: $o, search: $s) { edges { node { values } } } }"

    for text in (f"{tag}电子", f"{tag} 客户"):  # a text value, and a string inside a list
        found = await gql(client, query, {"o": name, "s": text}, token=admin)
        assert [e["node"]["values"]["title"] for e in found.data["records"]["edges"]] == [
            f"深圳{tag}电子厂"
        ], text
    everywhere = await gql(
        client,
        "query($t: String!) { searchRecords(text: $t) { object } }",
        {"t": f"{tag}电子"},
        token=admin,
    )
    assert [r["object"] for r in everywhere.data["searchRecords"]] == [name]
    assert (
        await gql(
            client,
            "query($t: String!) { searchRecords(text: $t) { id } }",
            {"t": f"{tag}电子"},
            token=as_beta["admin"],
        )
    ).data["searchRecords"] == []


async def test_search_is_served_by_its_index_under_row_level_security(owner_db, app_db):
    # Given a tenant with enough customers that reading them all costs more than the index,
    tenant = uuid.uuid4()
    await owner_db.execute(
        "INSERT INTO tenant (id, slug, name) VALUES ($1, $2, 'Plan probe')",
        tenant,
        f"plan-{tenant.hex[:8]}",
    )
    try:
        await owner_db.execute(
            "INSERT INTO customer (tenant_id, id, name) SELECT $1, gen_random_uuid(), 'Customer ' || n "
            "FROM generate_series(1, 5000) AS n",
            tenant,
        )
        await owner_db.execute(
            "INSERT INTO customer (tenant_id, id, name) VALUES ($1, gen_random_uuid(), '上海支道科技有限公司')",
            tenant,
        )
        await owner_db.execute("ANALYZE customer")
        # when the application role plans a list's search (the statement lists write) under the tenant policy,
        async with app_db.transaction():
            await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant))
            await app_db.execute(
                "SET LOCAL enable_seqscan = off"
            )  # a small table: make the choice visible
            plan = "\n".join(
                r[0]
                for r in await app_db.fetch(
                    "EXPLAIN SELECT t.id FROM customer t WHERE t.tenant_id = $1 AND t.deleted_at IS NULL "
                    "AND t.search_vector @@ to_tsquery('simple', $2) ORDER BY t.created_at, t.id LIMIT 51",
                    tenant,
                    "('支道' <-> '道科' <-> '科技')",
                )
            )
            found = await app_db.fetchval(
                "SELECT count(*) FROM customer WHERE search_vector @@ to_tsquery('simple', $1)",
                "('支道' <-> '道科' <-> '科技')",
            )
    finally:
        await owner_db.execute("DELETE FROM customer WHERE tenant_id = $1", tenant)
        await owner_db.execute("DELETE FROM tenant WHERE id = $1", tenant)
    # then the GIN index serves the condition.
    assert "Bitmap Index Scan on customer_search_idx" in plan, plan
    assert found == 1
