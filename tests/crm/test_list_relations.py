"""Lists read their nodes' to-one relations (customer, owner, stage...) in the page's statement.
What they show must be exactly what each relation's own lookup shows: the same values, null for
related records that are missing, deleted or hidden from the caller, hidden fields left out.
Every query here also runs on graphql-core's own executor, which resolves each relation through
its resolver, and the two answers must be equal."""

from __future__ import annotations

import base64
import uuid
from dataclasses import replace

import httpx
import pytest

from tests.crm.test_query_counts import counting_statements
from tests.support.graphql import gql
from tests.support.records import make_contact, make_customer, scoped_token, unique


@pytest.fixture(scope="module")
async def standard(app, settings):
    """The same API on graphql-core's executor: every relation field runs its resolver."""
    from api.app import create_app
    from tessera.wiring import api_config

    reference = create_app(
        replace(api_config(settings), fast_execution=False)
    )  # shares the process's pool
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=reference), base_url="http://tessera.test"
    ) as http:
        yield http
    await reference.state.redis.aclose()


@pytest.fixture(scope="module")
async def deals(client, as_alpha, user_ids):
    """Opportunities of alpha pointing at customers the member can and cannot see, at a deleted
    customer, at a contact, a campaign, owners and stages."""
    admin = as_alpha["admin"]
    marker = unique("rel")
    team = (
        await gql(
            client,
            "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
            {"i": {"name": f"{marker}-team", "memberIds": [user_ids["member"]]}},
            token=admin,
        )
    ).data["createTeam"]
    mine = await make_customer(
        client,
        admin,
        name=f"{marker}-mine",
        ownerId=user_ids["member"],
        tier="gold",
        region="EMEA",
        website="https://mine.example",
        address={"city": "Lyon"},
    )
    hidden = await make_customer(client, admin, name=f"{marker}-hidden", ownerId=user_ids["admin"])
    gone = await make_customer(client, admin, name=f"{marker}-gone", ownerId=None)
    contact = await make_contact(
        client, admin, customerId=mine["id"], emails=["c@example.com"], ownerId=user_ids["member"]
    )
    campaign = (
        await gql(
            client,
            'mutation { createCampaign(input: {name: "Fair", channel: EVENT}) { id } }',
            token=admin,
        )
    ).data["createCampaign"]
    common = {"ownerId": user_ids["member"], "amount": "100.00", "expectedCloseDate": "2027-03-01"}
    items = [
        {
            **common,
            "name": f"{marker}-1",
            "customerId": mine["id"],
            "primaryContactId": contact["id"],
            "campaignId": campaign["id"],
            "teamId": team["id"],
        },
        {**common, "name": f"{marker}-2", "customerId": hidden["id"]},
        {**common, "name": f"{marker}-3", "customerId": gone["id"], "ownerId": user_ids["admin"]},
        {**common, "name": f"{marker}-4"},
    ]
    created = await gql(
        client,
        "mutation($i: BulkCreateOpportunitiesInput!) { bulkCreateOpportunities(input: $i) { id } }",
        {"i": {"items": items}},
        token=admin,
    )
    await gql(
        client,
        "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { id } }",
        {"id": gone["id"]},
        token=admin,
    )
    return {
        "marker": marker,
        "ids": [o["id"] for o in created.data["bulkCreateOpportunities"]],
        "mine": mine,
    }


NARROW = """query($p: String!) { opportunities(filter: {name: {like: $p}}, orderBy: [{name: ASC}]) { edges { node {
  id name customer { id name __typename } owner { id name email } stage { name kind } } } } }"""

WIDE = """query($p: String!) { opportunities(filter: {name: {like: $p}}, orderBy: [{name: ASC}]) { edges { node {
  id name amount probability probabilityOverride expectedCloseDate tags customFields
  customer { id name website domain industry size region tier creditRating lifecycleStage lifetimeValue lastOrderAt
             version createdAt updatedAt deletedAt address { city } owner { email } team { name } tags }
  primaryContact { name title marketingConsent emails customer { name } }
  campaign { name channel cost startsOn endsOn } team { name manager { email } }
  stage { id name kind position probability version pipeline { name isDefault } } pipeline { name }
  owner { id email name role } stageHistory { stage { name } } } } } }"""

RECORD = "id version createdAt updatedAt deletedAt"
# Every column a narrow copy can carry, for each relation that has them.
PLAIN = f"""query($p: String!) {{ opportunities(filter: {{name: {{like: $p}}}}, orderBy: [{{name: ASC}}]) {{ edges {{ node {{
  customer {{ {RECORD} name website domain industry size region tier creditRating lifecycleStage lifetimeValue lastOrderAt }}
  primaryContact {{ {RECORD} name title marketingConsent }} campaign {{ {RECORD} name channel cost startsOn endsOn }}
  team {{ {RECORD} name }} stage {{ {RECORD} name position probability kind }} pipeline {{ {RECORD} name isDefault }}
  owner {{ id email name role }} }} }} }} }}"""

FRAGMENTS = """fragment Who on User { email } fragment Deal on Opportunity { name owner { ...Who } customer { ... on Customer { name } } }
query($p: String!) { opportunities(filter: {name: {like: $p}}) { edges { node { ...Deal a: customer { name } b: customer { tier } } } } }"""

NODE = """query($id: ID!) { node(id: $id) { ... on Opportunity { name customer { id name __typename }
  owner { id name email } stage { name kind } } } }"""


@pytest.mark.parametrize(
    "query", [NARROW, PLAIN, WIDE, FRAGMENTS], ids=["narrow", "plain", "wide", "fragments"]
)
@pytest.mark.parametrize("role", ["admin", "member", "agent"])
async def test_lists_answer_as_every_resolver_would(client, standard, as_alpha, deals, query, role):
    variables = {"p": f"{deals['marker']}-%"}
    fast = await gql(client, query, variables, token=as_alpha[role])
    reference = await gql(standard, query, variables, token=as_alpha[role])
    assert fast.body == reference.body
    assert not fast.errors, fast.errors


async def test_relations_the_caller_may_not_see_are_null(client, as_alpha, deals):
    by_name = {}
    response = await gql(client, NARROW, {"p": f"{deals['marker']}-%"}, token=as_alpha["member"])
    for edge in response.data["opportunities"]["edges"]:
        by_name[edge["node"]["name"].rsplit("-", 1)[1]] = edge["node"]
    assert by_name["1"]["customer"]["name"] == deals["mine"]["name"]
    assert by_name["2"]["customer"] is None  # owned by the admin: not the member's to see
    assert "3" not in by_name  # the opportunity itself is the admin's
    assert by_name["4"]["customer"] is None  # none
    admin_view = await gql(client, NARROW, {"p": f"{deals['marker']}-%"}, token=as_alpha["admin"])
    deleted = [
        e["node"]
        for e in admin_view.data["opportunities"]["edges"]
        if e["node"]["name"].endswith("-3")
    ]
    assert deleted[0]["customer"] is None  # soft-deleted
    assert deleted[0]["owner"]["email"] == "admin@alpha.test"


async def test_a_list_shows_what_each_node_shows(client, as_alpha, deals):
    listed = await gql(client, NARROW, {"p": f"{deals['marker']}-%"}, token=as_alpha["member"])
    for edge in listed.data["opportunities"]["edges"]:
        node = await gql(client, NODE, {"id": edge["node"]["id"]}, token=as_alpha["member"])
        assert {k: v for k, v in edge["node"].items() if k != "id"} == node.data["node"]


async def test_relations_cost_no_statement_of_their_own(client, as_alpha, deals, monkeypatch):
    variables = {"p": f"{deals['marker']}-%"}
    bare = "query($p: String!) { opportunities(filter: {name: {like: $p}}) { edges { node { name } } } }"
    counts = {}
    for name, query in (("bare", bare), ("narrow", NARROW), ("plain", PLAIN)):
        with counting_statements(monkeypatch) as statements:
            assert (await gql(client, query, variables, token=as_alpha["member"])).data
        counts[name] = len(statements)
        monkeypatch.undo()
    assert counts["narrow"] == counts["plain"] == counts["bare"], counts


async def test_hidden_custom_fields_stay_hidden_on_related_records(client, as_alpha, deals):
    admin = as_alpha["admin"]
    field = unique("secret").replace("-", "_")
    await gql(
        client,
        "mutation($i: CreateFieldInput!) { createField(input: $i) { apiName } }",
        {"i": {"object": "Customer", "apiName": field, "label": "Secret", "type": "TEXT"}},
        token=admin,
    )
    await gql(
        client,
        "mutation($id: ID!, $f: JSON!) { updateCustomer(input: {id: $id, version: 1, customFields: $f}) { id } }",
        {"id": deals["mine"]["id"], "f": {field: "classified"}},
        token=admin,
    )
    await gql(
        client,
        "mutation($i: SetFieldAccessInput!) { setFieldAccess(input: $i) { field } }",
        {
            "i": {
                "object": "Customer",
                "field": f"customFields.{field}",
                "role": "MEMBER",
                "access": "HIDDEN",
            }
        },
        token=admin,
    )
    query = """query($p: String!) { opportunities(filter: {name: {like: $p}}) { edges { node {
      customer { name customFields } } } } }"""
    as_admin = await gql(client, query, {"p": f"{deals['marker']}-1"}, token=admin)
    as_member = await gql(client, query, {"p": f"{deals['marker']}-1"}, token=as_alpha["member"])
    assert (
        as_admin.data["opportunities"]["edges"][0]["node"]["customer"]["customFields"][field]
        == "classified"
    )
    assert (
        field not in as_member.data["opportunities"]["edges"][0]["node"]["customer"]["customFields"]
    )


async def test_another_tenant_joins_nothing_of_alpha(client, as_beta, deals):
    response = await gql(client, WIDE, {"p": f"{deals['marker']}-%"}, token=as_beta["admin"])
    assert response.data["opportunities"]["edges"] == []


async def test_a_target_the_caller_may_not_read_is_refused_as_its_lookup_refuses(
    client, standard, as_alpha, deals
):
    token = await scoped_token(client, as_alpha["admin"], ["tickets:read"])
    query = "{ tickets(first: 1) { edges { node { subject customer { name } } } } }"
    assert (await gql(client, query, token=token)).body == (
        await gql(standard, query, token=token)
    ).body


def _uuid(global_id: str) -> uuid.UUID:
    return uuid.UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


async def test_the_database_joins_nothing_across_tenants(app_db, tenants, deals):
    # The join as the list writes it, without its own tenant conditions: row-level security alone
    # must keep alpha's opportunities and customers out of beta's transaction.
    ids = [_uuid(i) for i in deals["ids"]]
    joined = (
        "SELECT t.id, j0.id AS customer FROM opportunity t LEFT JOIN customer j0 ON j0.id = t.customer_id "
        "WHERE t.id = ANY($1::uuid[])"
    )
    direct = "SELECT c.id FROM (VALUES ($1::uuid)) v(id) LEFT JOIN customer c ON c.id = v.id"
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["alpha"].id)
        assert len(await app_db.fetch(joined, ids)) == 4
        assert await app_db.fetchval(direct, _uuid(deals["mine"]["id"])) is not None
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert await app_db.fetch(joined, ids) == []
        assert await app_db.fetchval(direct, _uuid(deals["mine"]["id"])) is None


async def test_bad_list_input_is_refused_with_relations_selected(client, as_alpha, deals):
    too_many = await gql(
        client,
        "{ opportunities(first: 500) { edges { node { customer { name } owner { name } } } } }",
        token=as_alpha["admin"],
    )
    assert too_many.codes == ["BAD_USER_INPUT"] and too_many.body["data"] is None
    bad_cursor = await gql(
        client,
        '{ opportunities(after: "nonsense") { edges { node { stage { name } } } } }',
        token=as_alpha["admin"],
    )
    assert bad_cursor.codes == ["BAD_USER_INPUT"]
