"""`tessera seed demo` fills a tenant through the real CLI; the data is usable through the API."""

from __future__ import annotations

from tests.support import cli
from tests.support.graphql import gql, login


async def test_small_seed_fills_gamma_and_the_api_serves_it(client, tenants):
    result = await cli.arun("seed", "demo", "--tenant", "gamma", "--size", "small", timeout=120)
    out = cli.ok(result)
    assert "customer 200" in out and "lead 1000" in out and "activity 2000" in out
    assert "opportunity" in result.err  # the progress bar goes to stderr

    gamma = tenants["gamma"]
    token = (await login(client, "gamma", gamma.admin_email, gamma.password))["accessToken"]
    counts = await gql(
        client,
        "{ customers { totalCount } contacts { totalCount } leads { totalCount } "
        "opportunities { totalCount } tickets { totalCount } activities { totalCount } }",
        token=token,
    )
    assert {k: v["totalCount"] for k, v in counts.data.items()} == {
        "customers": 200,
        "contacts": 400,
        "leads": 1000,
        "opportunities": 500,
        "tickets": 500,
        "activities": 2000,
    }
    deals = await gql(
        client,
        "{ opportunities(first: 3, orderBy: [{expectedCloseDate: ASC}]) { edges { node { customer { name } owner { email } stage { name } stageHistory { stage { name } } } } } }",
        token=token,
    )
    for edge in deals.data["opportunities"]["edges"]:
        node = edge["node"]
        assert (
            node["customer"]["name"]
            and node["owner"]["email"]
            and node["stageHistory"][-1]["stage"]["name"] == node["stage"]["name"]
        )
    contacts = await gql(
        client, "{ contacts(first: 1) { edges { node { phones emails } } } }", token=token
    )
    assert contacts.data["contacts"]["edges"][0]["node"]["phones"][0].startswith("+86138")


async def test_seeding_an_unknown_tenant_fails_plainly(tenants):
    result = await cli.arun("seed", "demo", "--tenant", "nope")
    assert result.code == 1 and "no tenant" in result.err
