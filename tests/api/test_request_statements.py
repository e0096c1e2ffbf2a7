"""The fixed statements of a request: the tenant setting goes with the transaction's BEGIN, and
the API's pool sends no reset query when a connection goes back (tenants/database.py)."""

from __future__ import annotations

from tests.crm.test_query_counts import counting_statements
from tests.support.graphql import gql


async def test_the_tenant_setting_goes_with_begin_and_nothing_resets_the_session(
    client, as_alpha, as_beta, monkeypatch
):
    for tokens in (as_alpha, as_beta):
        with counting_statements(monkeypatch) as statements:
            me = await gql(client, "{ me { id } }", token=tokens["member"])
        monkeypatch.undo()
        assert me.data["me"]["id"]
        assert statements[0].startswith("BEGIN") and "set_config('app.tenant_id'" in statements[0]
        assert not any("set_config" in s for s in statements[1:]), statements
        assert not any("RESET ALL" in s for s in statements), statements


async def test_each_request_sees_its_own_tenant_only(client, as_alpha, as_beta):
    """Requests of two tenants, one after the other on the same pool: each sees its own."""
    seen = []
    for tokens in (as_alpha, as_beta, as_alpha):
        answer = await gql(
            client, "{ customers(first: 100) { edges { node { id } } } }", token=tokens["admin"]
        )
        seen.append({edge["node"]["id"] for edge in answer.data["customers"]["edges"]})
    assert seen[0] == seen[2]
    assert not (seen[0] & seen[1])
