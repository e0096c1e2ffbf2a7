"""What aggregates may not tell: records the caller may not see are not counted, fields hidden
from it (or computed from hidden ones) can be neither grouped, measured nor filtered, a related
record's hidden name never labels a group, and nothing crosses tenants (API and RLS)."""

from __future__ import annotations

from decimal import Decimal

from tests.reports.support import aggregate, by_keys, totals
from tests.support.custom import field_codes, make_object
from tests.support.graphql import gql

CREATE = "mutation($i: CreateRecordInput!) { createRecord(input: $i) { id } }"
SET = (
    "mutation($input: SetFieldAccessInput!) { setFieldAccess(input: $input) { field role access } }"
)


async def _hide(client, admin, object_name, field, role="MEMBER"):
    response = await gql(
        client,
        SET,
        {"input": {"object": object_name, "field": field, "role": role, "access": "HIDDEN"}},
        token=admin,
    )
    assert response.data, response.errors


async def test_members_and_agents_count_only_the_records_they_may_see(client, as_alpha, user_ids):
    admin = as_alpha["admin"]
    name = await make_object(
        client,
        admin,
        [dict(apiName="amount", type="DECIMAL"), dict(apiName="kind", type="TEXT")],
        stem="visible",
    )
    made = [
        ("member", "10", "a"),
        ("member", "5", "b"),
        ("manager", "100", "a"),
        ("admin", "1000", "a"),
        ("agent", "7", "b"),
    ]
    for owner, amount, kind in made:
        await gql(
            client,
            CREATE,
            {
                "i": {
                    "object": name,
                    "values": {"amount": amount, "kind": kind},
                    "ownerId": user_ids[owner],
                }
            },
            token=admin,
        )
    await gql(
        client,
        CREATE,
        {"i": {"object": name, "values": {"amount": "1", "kind": "a"}, "ownerId": None}},
        token=admin,
    )
    made.append((None, "1", "a"))  # the shared pool: no owner, no team, visible to everyone
    measures = [{"function": "COUNT"}, {"function": "SUM", "field": "amount"}]
    for role in ("member", "agent", "admin"):
        seen = [m for m in made if role == "admin" or m[0] in (role, None)]
        result = (
            await aggregate(
                client, as_alpha[role], name, groupBy=[{"field": "kind"}], measures=measures
            )
        ).data["aggregate"]
        expected = {}
        for _, amount, kind in seen:
            count, total = expected.get((kind,), (0, Decimal(0)))
            expected[(kind,)] = (count + 1, total + Decimal(amount))
        assert {
            k: (int(v["count"]), v["sum_amount"]) for k, v in by_keys(result).items()
        } == expected, role
        assert totals(result) == {
            "count": len(seen),
            "sum_amount": sum(Decimal(m[1]) for m in seen),
        }, role


async def test_hidden_fields_and_fields_computed_from_them_are_refused_everywhere(client, as_alpha):
    admin, member = as_alpha["admin"], as_alpha["member"]
    name = await make_object(
        client,
        admin,
        [
            dict(apiName="qty", type="INTEGER"),
            dict(apiName="price", type="DECIMAL"),
            dict(apiName="paid_on", type="DATE"),
            dict(apiName="total", type="FORMULA", config={"expression": "qty * price"}),
        ],
        stem="priced",
    )
    await gql(
        client,
        CREATE,
        {
            "i": {
                "object": name,
                "values": {"qty": 2, "price": 5, "paid_on": "2026-05-01"},
                "ownerId": None,
            }
        },
        token=admin,
    )
    for hidden in ("price", "paid_on"):
        await _hide(client, admin, name, hidden)
    probes = {
        "group": ({"groupBy": [{"field": "price"}]}, {"groupBy.0.field": "NOT_GROUPABLE"}),
        "group formula": ({"groupBy": [{"field": "total"}]}, {"groupBy.0.field": "NOT_GROUPABLE"}),
        "bucket": (
            {"groupBy": [{"field": "paid_on", "bucket": "MONTH"}]},
            {"groupBy.0.field": "NOT_GROUPABLE"},
        ),
        "sum": (
            {"measures": [{"function": "SUM", "field": "price"}]},
            {"measures.0.field": "NOT_MEASURABLE"},
        ),
        "max formula": (
            {"measures": [{"function": "MAX", "field": "total"}]},
            {"measures.0.field": "NOT_MEASURABLE"},
        ),
        "count": (
            {"measures": [{"function": "COUNT", "field": "price"}]},
            {"measures.0.field": "NOT_MEASURABLE"},
        ),
        "distinct": (
            {"measures": [{"function": "COUNT_DISTINCT", "field": "total"}]},
            {"measures.0.field": "NOT_MEASURABLE"},
        ),
        "filter": ({"filter": {"field": "price", "gt": 4}}, {"filter.price": "NOT_FILTERABLE"}),
        "filter formula": (
            {"filter": {"field": "total", "isNull": False}},
            {"filter.total": "NOT_FILTERABLE"},
        ),
        "period": (
            {"periods": [{"field": "paid_on", "range": "THIS_YEAR"}]},
            {"periods.0.field": "NOT_A_DATE"},
        ),
    }
    for label, (variables, codes) in probes.items():
        assert field_codes(await aggregate(client, member, name, **variables)) == codes, label
    # The admin (and roles the price is not hidden from) still measure it.
    for role in ("admin", "agent"):
        result = (
            await aggregate(
                client, as_alpha[role], name, measures=[{"function": "SUM", "field": "total"}]
            )
        ).data["aggregate"]
        assert totals(result) == {"sum_total": Decimal(10)}


async def test_related_records_hidden_fields_and_names_stay_hidden(client, as_alpha):
    admin, member = as_alpha["admin"], as_alpha["member"]
    account = await make_object(
        client,
        admin,
        [dict(apiName="title", type="TEXT"), dict(apiName="secret", type="TEXT")],
        stem="account",
    )
    await gql(
        client,
        "mutation($input: UpdateObjectInput!) { updateObject(input: $input) { displayField } }",
        {"input": {"apiName": account, "version": 1, "displayField": "title"}},
        token=admin,
    )
    deal = await make_object(
        client,
        admin,
        [
            dict(apiName="account", type="RELATION", config={"target": account}),
            dict(apiName="value", type="DECIMAL"),
        ],
        stem="deal",
    )
    target = (
        await gql(
            client,
            CREATE,
            {
                "i": {
                    "object": account,
                    "values": {"title": "Acme", "secret": "S1"},
                    "ownerId": None,
                }
            },
            token=admin,
        )
    ).data["createRecord"]
    await gql(
        client,
        CREATE,
        {"i": {"object": deal, "values": {"account": target["id"], "value": 3}, "ownerId": None}},
        token=admin,
    )
    group_by = [{"field": "account"}, {"field": "account.secret"}]
    seen = (await aggregate(client, member, deal, groupBy=group_by)).data["aggregate"]["rows"]
    assert [(k["label"], k["text"]) for k in seen[0]["keys"]] == [("Acme", None), ("S1", "S1")]

    await _hide(client, admin, account, "secret")
    await _hide(client, admin, account, "title")
    assert field_codes(await aggregate(client, member, deal, groupBy=group_by)) == {
        "groupBy.1.field": "NOT_GROUPABLE"
    }
    assert field_codes(
        await aggregate(
            client,
            member,
            deal,
            measures=[{"function": "COUNT_DISTINCT", "field": "account.secret"}],
        )
    ) == {"measures.0.field": "NOT_MEASURABLE"}
    assert field_codes(
        await aggregate(client, member, deal, filter={"field": "account.secret", "eq": "S1"})
    ) == {"filter.account.secret": "NOT_FILTERABLE"}
    rows = (await aggregate(client, member, deal, groupBy=[{"field": "account"}])).data[
        "aggregate"
    ]["rows"]
    assert (
        rows[0]["keys"][0]["id"] == target["id"] and rows[0]["keys"][0]["label"] is None
    )  # the id, never the hidden name
    rows = (await aggregate(client, admin, deal, groupBy=[{"field": "account"}])).data["aggregate"][
        "rows"
    ]
    assert rows[0]["keys"][0]["label"] == "Acme"


async def test_a_related_record_the_caller_may_not_see_counts_as_no_value(
    client, as_alpha, user_ids
):
    admin, member = as_alpha["admin"], as_alpha["member"]
    account = await make_object(client, admin, [dict(apiName="tier", type="TEXT")], stem="private")
    deal = await make_object(
        client,
        admin,
        [dict(apiName="account", type="RELATION", config={"target": account})],
        stem="pdeal",
    )
    hidden_account = (
        await gql(
            client,
            CREATE,
            {"i": {"object": account, "values": {"tier": "GOLD"}, "ownerId": user_ids["manager"]}},
            token=admin,
        )
    ).data["createRecord"]
    await gql(
        client,
        CREATE,
        {
            "i": {
                "object": deal,
                "values": {"account": hidden_account["id"]},
                "ownerId": user_ids["member"],
            }
        },
        token=admin,
    )
    rows = (
        await aggregate(
            client, member, deal, groupBy=[{"field": "account.tier"}, {"field": "account"}]
        )
    ).data["aggregate"]["rows"]
    assert rows[0]["keys"][0]["text"] is None and rows[0]["keys"][1]["label"] is None
    rows = (await aggregate(client, admin, deal, groupBy=[{"field": "account.tier"}])).data[
        "aggregate"
    ]["rows"]
    assert rows[0]["keys"][0]["text"] == "GOLD"


async def test_another_tenant_counts_nothing_of_ours_through_the_api_or_the_database(
    client, as_alpha, as_beta, app_db, tenants
):
    admin = as_alpha["admin"]
    name = await make_object(client, admin, [dict(apiName="amount", type="DECIMAL")], stem="mine")
    await gql(client, CREATE, {"i": {"object": name, "values": {"amount": 5}}}, token=admin)
    customer = (
        await gql(client, 'mutation { createCustomer(input: {name: "Ours"}) { id } }', token=admin)
    ).data["createCustomer"]
    await gql(
        client,
        'mutation($c: ID!) { createOpportunity(input: {name: "D", customerId: $c, amount: 9}) { id } }',
        {"c": customer["id"]},
        token=admin,
    )

    assert (await aggregate(client, as_beta["admin"], name)).codes == ["NOT_FOUND"]
    theirs = await aggregate(
        client,
        as_beta["admin"],
        "Opportunity",
        filter={"field": "customerId", "eq": customer["id"]},
        measures=[{"function": "COUNT"}, {"function": "SUM", "field": "amount"}],
    )
    assert totals(theirs.data["aggregate"]) == {"count": 0, "sum_amount": None}
    ours = await aggregate(
        client,
        admin,
        "Opportunity",
        filter={"field": "customerId", "eq": customer["id"]},
        measures=[{"function": "COUNT"}, {"function": "SUM", "field": "amount"}],
    )
    assert totals(ours.data["aggregate"]) == {"count": 1, "sum_amount": 9}

    # The database refuses too: under beta's tenant, alpha's rows do not exist for the app role.
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        found = await app_db.fetchrow(
            "SELECT count(*) AS n, sum((data #>> '{amount}')::numeric) AS s FROM custom_record "
            "WHERE tenant_id = $1",
            __import__("uuid").UUID(tenants["alpha"].id),
        )
        assert (found["n"], found["s"]) == (0, None)
