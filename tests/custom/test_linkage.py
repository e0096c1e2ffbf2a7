"""Field linkage: dependent picklists and fills, enforced on every write path (custom records and
the custom fields of standard records), checked when the fields are saved."""

from __future__ import annotations

from tests.support.custom import (
    CREATE_FIELD,
    UPDATE_RECORD,
    api_name,
    create_record,
    field_codes,
    make_field,
    make_object,
)
from tests.support.graphql import gql

TEAM = "mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }"
RECORD = "query($id: ID!) { node(id: $id) { ... on CustomRecord { values team { id } } } }"


async def _team(client, admin):
    return (await gql(client, TEAM, {"input": {"name": api_name("East")}}, token=admin)).data[
        "createTeam"
    ]["id"]


async def _site(client, admin, team):
    name = await make_object(
        client, admin, [dict(apiName="sales_region", type="TEXT")], stem="site"
    )
    await make_field(
        client,
        admin,
        name,
        apiName="region",
        type="SINGLE_SELECT",
        config={
            "options": ["Shanghai", "Beijing", "Shenzhen"],
            "fills": {
                "Shanghai": {"sales_region": "East China", "teamId": team},
                "Beijing": {"sales_region": "North China"},
            },
        },
    )
    await make_field(
        client,
        admin,
        name,
        apiName="district",
        type="SINGLE_SELECT",
        config={
            "options": ["Pudong", "Minhang", "Chaoyang"],
            "dependsOn": "region",
            "optionsByValue": {"Shanghai": ["Pudong", "Minhang"], "Beijing": ["Chaoyang"]},
        },
    )
    return name


async def test_choosing_a_region_fills_the_sales_region_and_team(client, as_alpha):
    admin = as_alpha["admin"]
    team = await _team(client, admin)
    site = await _site(client, admin, team)
    created = (
        await create_record(client, admin, site, {"region": "Shanghai", "district": "Pudong"})
    ).data["createRecord"]
    assert created["values"] == {
        "region": "Shanghai",
        "district": "Pudong",
        "sales_region": "East China",
    }
    assert (await gql(client, RECORD, {"id": created["id"]}, token=admin)).data["node"]["team"][
        "id"
    ] == team
    explicit = await create_record(
        client, admin, site, {"region": "Beijing", "sales_region": "Special"}
    )
    assert (
        explicit.data["createRecord"]["values"]["sales_region"] == "Special"
    )  # the write's own value wins
    moved = await gql(
        client,
        UPDATE_RECORD,
        {
            "input": {
                "id": created["id"],
                "version": 1,
                "values": {"region": "Beijing", "district": "Chaoyang"},
            }
        },
        token=admin,
    )
    assert moved.data["updateRecord"]["values"]["sales_region"] == "North China"


async def test_dependent_picklists_refuse_options_of_another_value(client, as_alpha):
    admin = as_alpha["admin"]
    site = await _site(client, admin, await _team(client, admin))
    wrong = await create_record(client, admin, site, {"region": "Shanghai", "district": "Chaoyang"})
    assert field_codes(wrong) == {"values.district": "NOT_ALLOWED"}
    orphan = await create_record(client, admin, site, {"district": "Pudong"})
    assert field_codes(orphan) == {"values.district": "NOT_ALLOWED"}
    record = (
        await create_record(client, admin, site, {"region": "Shanghai", "district": "Pudong"})
    ).data["createRecord"]
    stale = await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 1, "values": {"region": "Beijing"}}},
        token=admin,
    )
    assert field_codes(stale) == {"values.district": "NOT_ALLOWED"}


async def test_a_refused_dependent_option_does_not_reveal_a_hidden_controlling_value(
    client, as_alpha
):
    admin, member = as_alpha["admin"], as_alpha["member"]
    site = await _site(client, admin, await _team(client, admin))
    hidden = await gql(
        client,
        "mutation($input: SetFieldAccessInput!) { setFieldAccess(input: $input) { access } }",
        {"input": {"object": site, "field": "region", "role": "MEMBER", "access": "HIDDEN"}},
        token=admin,
    )
    assert hidden.data["setFieldAccess"] == [{"access": "HIDDEN"}]
    record = (await create_record(client, member, site, {})).data["createRecord"]
    set_region = await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 1, "values": {"region": "Shanghai"}}},
        token=admin,
    )
    assert set_region.data["updateRecord"]["values"]["region"] == "Shanghai"
    refused = await gql(
        client,
        UPDATE_RECORD,
        {"input": {"id": record["id"], "version": 2, "values": {"district": "Chaoyang"}}},
        token=member,
    )
    assert field_codes(refused) == {"values.district": "NOT_ALLOWED"}
    message = refused.errors[0]["extensions"]["fieldErrors"][0]["message"]
    assert not any(word in message for word in ("Shanghai", "Pudong", "Minhang")), message


async def test_linkage_settings_are_checked_when_saved(client, as_alpha):
    admin = as_alpha["admin"]
    name = await make_object(
        client,
        admin,
        [
            dict(apiName="kind", type="SINGLE_SELECT", config={"options": ["A", "B"]}),
            dict(apiName="note", type="INTEGER"),
        ],
    )
    cases = [
        (
            {
                "apiName": "sub",
                "type": "SINGLE_SELECT",
                "config": {"options": ["x"], "dependsOn": "note", "optionsByValue": {}},
            },
            {"config.dependsOn": "UNKNOWN_FIELD"},
        ),
        (
            {
                "apiName": "sub",
                "type": "SINGLE_SELECT",
                "config": {"options": ["x"], "dependsOn": "kind", "optionsByValue": {"C": ["x"]}},
            },
            {"config.optionsByValue": "INVALID_OPTIONS"},
        ),
        (
            {
                "apiName": "sub",
                "type": "SINGLE_SELECT",
                "config": {"options": ["x"], "dependsOn": "kind", "optionsByValue": {"A": ["y"]}},
            },
            {"config.optionsByValue": "INVALID_OPTIONS"},
        ),
        (
            {
                "apiName": "sub",
                "type": "SINGLE_SELECT",
                "config": {"options": ["x"], "fills": {"x": {"note": "many"}}},
            },
            {"config.fills.x.note": "INVALID_INTEGER"},
        ),
        (
            {"apiName": "sub", "type": "TEXT", "config": {"fills": {"x": {"note": 1}}}},
            {"config.fills": "INVALID_FILLS"},
        ),
    ]
    for field, expected in cases:
        response = await gql(
            client, CREATE_FIELD, {"input": {"object": name, "label": "Sub", **field}}, token=admin
        )
        assert field_codes(response) == expected, field


async def test_fills_apply_to_standard_records_too(client, as_alpha):
    admin = as_alpha["admin"]
    team = await _team(client, admin)
    territory = api_name("territory")
    await make_field(
        client,
        admin,
        "Customer",
        apiName=territory,
        type="SINGLE_SELECT",
        config={"options": ["EAST", "WEST"], "fills": {"EAST": {"teamId": team}}},
    )
    created = await gql(
        client,
        "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { team { id } customFields } }",
        {"i": {"name": api_name("Filled"), "customFields": {territory: "EAST"}}},
        token=admin,
    )
    assert created.data["createCustomer"]["team"]["id"] == team
    fields = await gql(
        client, 'query { standardFields(object: "Customer") { apiName config } }', token=admin
    )
    config = next(f["config"] for f in fields.data["standardFields"] if f["apiName"] == territory)
    assert config["fills"]["EAST"]["teamId"] == team  # shown as the global id it was given as


async def test_fills_naming_another_tenants_team_owner_or_record_are_not_found_when_saved(
    client, as_alpha, as_beta
):
    from tests.support.records import make_customer

    # Given a team, a member and a customer of beta's
    beta = as_beta["admin"]
    beta_team = await _team(client, beta)
    beta_member = (await gql(client, "{ me { id } }", token=as_beta["member"])).data["me"]["id"]
    beta_customer = (await make_customer(client, beta, name=api_name("Beta"))).get("id")
    admin = as_alpha["admin"]
    name = await make_object(
        client, admin, [dict(apiName="account", type="RELATION", config={"target": "Customer"})]
    )
    # When alpha's admin saves fills naming them
    response = await gql(
        client,
        CREATE_FIELD,
        {
            "input": {
                "object": name,
                "label": "Region",
                "apiName": "region",
                "type": "SINGLE_SELECT",
                "config": {
                    "options": ["East", "West"],
                    "fills": {
                        "East": {"teamId": beta_team, "ownerId": beta_member},
                        "West": {"account": _uuid_of(beta_customer)},
                    },
                },
            }
        },
        token=admin,
    )
    # Then each is not found, as if it did not exist
    assert field_codes(response) == {
        "config.fills.East.teamId": "NOT_FOUND",
        "config.fills.East.ownerId": "NOT_FOUND",
        "config.fills.West.account": "NOT_FOUND",
    }
    # ...while alpha's own team is accepted
    assert (
        await make_field(
            client,
            admin,
            name,
            apiName="region",
            type="SINGLE_SELECT",
            config={"options": ["East"], "fills": {"East": {"teamId": await _team(client, admin)}}},
        )
    )["id"]


def _uuid_of(global_id: str) -> str:
    from strawberry import relay

    return relay.GlobalID.from_id(global_id).node_id
