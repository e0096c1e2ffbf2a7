"""Duplicate rules through the API: defaults, WARN and BLOCK on creates and updates, admin-only
changes, bad rules refused with field errors, custom objects, and what a member is told about
records they cannot see."""

from __future__ import annotations

import uuid

from tests.duplicates.support import CREATE_RULE, create_customer, domain_name, rule
from tests.support.custom import create_record, make_object
from tests.support.graphql import gql


async def test_every_tenant_starts_with_default_rules(client, as_alpha):
    rules = (
        await gql(
            client,
            "{ duplicateRules { object name action conditions active } }",
            token=as_alpha["member"],
        )
    ).data
    names = {(r["object"], r["name"], r["action"]) for r in rules["duplicateRules"]}
    assert {
        ("Customer", "Same website domain", "WARN"),
        ("Customer", "Same company name", "WARN"),
        ("Contact", "Same email", "WARN"),
        ("Lead", "Same email", "WARN"),
    } <= names


async def test_warn_lets_the_write_through_and_shows_the_matches(client, as_alpha):
    token = as_alpha["admin"]
    domain = domain_name()
    first = (await create_customer(client, token, domain=domain)).data["createCustomer"]
    assert first["likelyDuplicates"] == []

    # Same domain written as a website, another name: the default domain rule matches.
    second = (
        await create_customer(client, token, website=f"https://WWW.{domain.upper()}/about")
    ).data["createCustomer"]
    assert [
        (m["recordId"], m["ruleName"], m["action"], m["score"]) for m in second["likelyDuplicates"]
    ] == [(first["id"], "Same website domain", "WARN", 100.0)]


async def test_company_names_match_across_legal_forms_and_widths(client, as_alpha):
    token = as_alpha["admin"]
    stem = uuid.uuid4().hex[:8]
    first = (await create_customer(client, token, name=f"深圳{stem}科技有限公司")).data[
        "createCustomer"
    ]
    second = (
        await create_customer(client, token, name=f"深圳{stem.upper()}科技（股份有限公司）")
    ).data["createCustomer"]
    full_width = "".join(
        chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in f"{stem} Trading Co., Ltd."
    )
    third = (await create_customer(client, token, name=f"{stem} trading")).data["createCustomer"]
    fourth = (await create_customer(client, token, name=full_width)).data["createCustomer"]

    assert [m["recordId"] for m in second["likelyDuplicates"]] == [first["id"]]
    assert [m["recordId"] for m in fourth["likelyDuplicates"]] == [third["id"]]


async def test_block_refuses_a_create_and_an_update_naming_the_matches(client, as_alpha):
    token = as_alpha["admin"]
    domain = domain_name()
    async with rule(
        client,
        token,
        object="Customer",
        name="One account per domain",
        action="BLOCK",
        conditions=[{"field": "domain", "match": "EXACT"}],
    ):
        first = (await create_customer(client, token, domain=domain)).data["createCustomer"]
        refused = await create_customer(client, token, domain=domain.upper())
        assert refused.codes == ["CONFLICT"]
        assert refused.errors[0]["extensions"]["duplicates"] == [
            {"id": first["id"], "rule": "One account per domain"}
        ]
        assert refused.errors[0]["extensions"]["reason"] == "DUPLICATE"
        assert "One account per domain" in refused.errors[0]["message"]
        assert refused.body["data"] is None

        other = (await create_customer(client, token, domain=domain_name())).data["createCustomer"]
        update = await gql(
            client,
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { id } }",
            {"input": {"id": other["id"], "version": 1, "website": f"http://{domain}"}},
            token=token,
        )
        assert update.codes == ["CONFLICT"]
        # Nothing half-written: the refused update left the record as it was.
        node = await gql(
            client,
            "query($id: ID!) { node(id: $id) { ... on Customer { version website } } }",
            {"id": other["id"]},
            token=token,
        )
        assert node.data["node"] == {"version": 1, "website": None}
        # Changing something no BLOCK rule reads is not refused, even on a record that has a match.
        ok = await gql(
            client,
            "mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { version } }",
            {"input": {"id": first["id"], "version": 1, "tier": "Gold"}},
            token=token,
        )
        assert ok.data["updateCustomer"]["version"] == 2
    # The rule deleted, the same write goes through (the default WARN rule still shows the match).
    allowed = (await create_customer(client, token, domain=domain)).data["createCustomer"]
    assert [m["recordId"] for m in allowed["likelyDuplicates"]] == [first["id"]]


async def test_a_deleted_record_is_no_duplicate(client, as_alpha):
    token = as_alpha["admin"]
    domain = domain_name()
    async with rule(
        client,
        token,
        object="Customer",
        name="Domain block",
        action="BLOCK",
        conditions=[{"field": "domain", "match": "EXACT"}],
    ):
        first = (await create_customer(client, token, domain=domain)).data["createCustomer"]
        await gql(
            client,
            "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { id } }",
            {"id": first["id"]},
            token=token,
        )
        assert (await create_customer(client, token, domain=domain)).data["createCustomer"][
            "likelyDuplicates"
        ] == []


async def test_fuzzy_names_within_a_block_on_a_custom_object(client, as_alpha):
    token = as_alpha["admin"]
    obj = await make_object(
        client,
        token,
        [{"apiName": "company", "type": "TEXT"}, {"apiName": "mail", "type": "EMAIL"}],
        stem="supplier",
    )
    async with rule(
        client,
        token,
        object=obj,
        name="Similar supplier",
        action="BLOCK",
        conditions=[
            {"field": "company", "match": "FUZZY", "threshold": 85, "compareAs": "COMPANY_NAME"}
        ],
    ):
        first = await create_record(client, token, obj, {"company": "Northwind Traders Ltd"})
        first_id = first.data["createRecord"]["id"]
        close = await create_record(client, token, obj, {"company": "Northwind Tradrs Limited"})
        assert close.codes == ["CONFLICT"]
        assert close.errors[0]["extensions"]["duplicates"] == [
            {"id": first_id, "rule": "Similar supplier"}
        ]
        # Not similar enough, and another block altogether.
        assert (await create_record(client, token, obj, {"company": "Northwest Foods"})).data
        assert (await create_record(client, token, obj, {"company": "Southwind Traders"})).data


async def test_warn_on_custom_records_shows_matches(client, as_alpha):
    token = as_alpha["admin"]
    obj = await make_object(client, token, [{"apiName": "mail", "type": "EMAIL"}], stem="vendor")
    async with rule(
        client, token, object=obj, name="Same mail", action="WARN", conditions=[{"field": "mail"}]
    ):
        first = (await create_record(client, token, obj, {"mail": "Sales@Vendor.example"})).data[
            "createRecord"
        ]
        second = await gql(
            client,
            "mutation($input: CreateRecordInput!) { createRecord(input: $input) "
            "{ id likelyDuplicates { recordId ruleName } } }",
            {"input": {"object": obj, "values": {"mail": "sales@vendor.example"}}},
            token=token,
        )
        assert second.data["createRecord"]["likelyDuplicates"] == [
            {"recordId": first["id"], "ruleName": "Same mail"}
        ]


async def test_a_rule_on_existing_records_keys_them(client, as_alpha):
    """Records written before a rule compared their field are keyed when the rule is made."""
    token = as_alpha["admin"]
    obj = await make_object(client, token, [{"apiName": "code", "type": "TEXT"}], stem="part")
    first = (await create_record(client, token, obj, {"code": "AB-12"})).data["createRecord"]
    async with rule(
        client, token, object=obj, name="Same code", action="BLOCK", conditions=[{"field": "code"}]
    ):
        refused = await create_record(client, token, obj, {"code": "ab 12"})
        assert refused.codes == ["CONFLICT"]
        assert refused.errors[0]["extensions"]["duplicates"][0]["id"] == first["id"]


async def test_bad_rules_are_refused_with_every_field_named(client, as_alpha):
    response = await gql(
        client,
        CREATE_RULE,
        {
            "input": {
                "object": "Customer",
                "name": " ",
                "action": "SHOUT",
                "conditions": [
                    {"field": "shoeSize"},
                    {"field": "name", "match": "EXACT", "threshold": 80},
                    {"field": "name", "match": "ALMOST"},
                ],
            }
        },
        token=as_alpha["admin"],
    )
    assert response.codes == ["BAD_USER_INPUT"]
    fields = {e["field"]: e["code"] for e in response.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {
        "name": "REQUIRED",
        "action": "INVALID_CHOICE",
        "conditions.0.field": "UNKNOWN_FIELD",
        "conditions.1.threshold": "OUT_OF_RANGE",
        "conditions.2.match": "INVALID_CHOICE",
    }
    unknown = await gql(
        client,
        CREATE_RULE,
        {
            "input": {
                "object": "Opportunity",
                "name": "x",
                "action": "WARN",
                "conditions": [{"field": "name"}],
            }
        },
        token=as_alpha["admin"],
    )
    assert {e["field"]: e["code"] for e in unknown.errors[0]["extensions"]["fieldErrors"]} == {
        "object": "UNKNOWN_OBJECT"
    }


async def test_only_admins_change_rules(client, as_alpha):
    input = {"object": "Lead", "name": "x", "action": "WARN", "conditions": [{"field": "email"}]}
    for role in ("manager", "member", "agent", "viewer"):
        assert (await gql(client, CREATE_RULE, {"input": input}, token=as_alpha[role])).codes == [
            "FORBIDDEN"
        ], role


async def test_update_a_rule_against_its_version(client, as_alpha):
    token = as_alpha["admin"]
    update = (
        "mutation($input: UpdateDuplicateRuleInput!) { updateDuplicateRule(input: $input) "
        "{ name action active version } }"
    )
    async with rule(
        client, token, object="Lead", name="Phones", action="ALLOW", conditions=[{"field": "phone"}]
    ) as made:
        changed = await gql(
            client,
            update,
            {"input": {"id": made["id"], "version": 1, "action": "WARN", "active": False}},
            token=token,
        )
        assert changed.data["updateDuplicateRule"] == {
            "name": "Phones",
            "action": "WARN",
            "active": False,
            "version": 2,
        }
        stale = await gql(
            client,
            update,
            {"input": {"id": made["id"], "version": 1, "name": "Again"}},
            token=token,
        )
        assert stale.codes == ["CONFLICT"]


async def test_a_member_is_told_nothing_about_records_they_cannot_see(client, as_alpha, user_ids):
    """WARN shows only visible matches; BLOCK still blocks, saying a hidden record matches but
    not which (docs/data.md)."""
    domain = domain_name()
    hidden = (
        await create_customer(client, as_alpha["admin"], domain=domain, ownerId=user_ids["manager"])
    ).data["createCustomer"]
    member = as_alpha["member"]
    warned = (await create_customer(client, member, domain=domain)).data["createCustomer"]
    assert warned["likelyDuplicates"] == []
    admin_view = await gql(
        client,
        "query($id: ID!) { node(id: $id) { ... on Customer { likelyDuplicates { recordId } } } }",
        {"id": warned["id"]},
        token=as_alpha["admin"],
    )
    assert [m["recordId"] for m in admin_view.data["node"]["likelyDuplicates"]] == [hidden["id"]]

    async with rule(
        client,
        as_alpha["admin"],
        object="Customer",
        name="Domain block",
        action="BLOCK",
        conditions=[{"field": "domain"}],
    ):
        other = domain_name()
        await create_customer(client, as_alpha["admin"], domain=other, ownerId=user_ids["manager"])
        refused = await create_customer(client, member, domain=other)
        assert refused.codes == ["CONFLICT"]
        assert refused.errors[0]["extensions"]["duplicates"] == []
        assert refused.errors[0]["extensions"]["hiddenDuplicates"] == 1
        assert "you cannot see" in refused.errors[0]["message"]
