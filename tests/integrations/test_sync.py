"""Two-way sync with the REST ERP connector against the ERP simulator, run by the scheduler's pass:
customers both ways, orders paid in the ERP winning their opportunities and totalling the
customer's lifetime value (and firing automations), conflict policies, restarts mid-sync,
per-record errors, changes applied twice changing nothing, and isolation."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.automation import deliver, disable, make_rule
from tests.support.erp import ErpSimulator
from tests.support.graphql import gql
from tests.support.records import make_customer

CREATE = "mutation($i: CreateSyncConnectionInput!) { createSyncConnection(input: $i) { id version lastError } }"
LOG = "query($c: ID) { syncLog(connectionId: $c, first: 100) { edges { node { direction stream externalId recordId status detail } } } }"
LOOKUP = (
    'query($o: String!, $e: String!) { recordByExternalId(object: $o, system: "erp", externalId: $e) { id '
    "... on Customer { name region version lifetimeValue lastOrderAt tags } "
    "... on Opportunity { name amount stage { name } customer { id } tags } } }"
)
CONNECTIONS = "{ syncConnections { id lastError lastRunAt nextRunAt } }"


@pytest.fixture
def erp():
    simulator = ErpSimulator()
    yield simulator
    simulator.close()


@pytest.fixture
async def connection(client, as_alpha, erp):
    """A connection of alpha's to the simulator, deleted afterwards."""
    made = await gql(
        client,
        CREATE,
        {
            "i": {
                "name": "ERP",
                "connector": "rest_erp",
                "system": "erp",
                "baseUrl": erp.url,
                "credentials": erp.token,
                "intervalSeconds": 60,
            }
        },
        token=as_alpha["admin"],
    )
    assert made.data, made.errors
    yield made.data["createSyncConnection"]
    await gql(
        client,
        "mutation($i: SyncConnectionRefInput!) { deleteSyncConnection(input: $i) }",
        {"i": {"id": made.data["createSyncConnection"]["id"]}},
        token=as_alpha["admin"],
    )


async def sync(client, token, connection) -> None:
    """An admin asks for a run; the scheduler's pass runs it."""
    from workers.scheduler import schedule_once

    asked = await gql(
        client,
        "mutation($i: SyncConnectionRefInput!) { runSyncNow(input: $i) { id } }",
        {"i": {"id": connection["id"]}},
        token=token,
    )
    assert asked.data, asked.errors
    await schedule_once(datetime.now(timezone.utc) + timedelta(seconds=1))


async def _find(client, token, object_name, external_id):
    return (await gql(client, LOOKUP, {"o": object_name, "e": external_id}, token=token)).data[
        "recordByExternalId"
    ]


def _pushes(erp: ErpSimulator) -> list:
    return [c for c in erp.calls if c[0] in ("POST", "PUT")]


async def test_customers_flow_both_ways_and_nothing_echoes(client, as_alpha, erp, connection):
    admin = as_alpha["admin"]
    erp.put("customers", "E1", name="Erp Co", region="North", industry="Steel")
    await sync(client, admin, connection)
    pulled = await _find(client, admin, "Customer", "E1")
    assert (pulled["name"], pulled["region"]) == ("Erp Co", "North")
    assert _pushes(erp) == []  # the pulled customer is not pushed back
    ours = await make_customer(client, admin, name=f"Ours {uuid.uuid4().hex[:6]}", region="South")
    await sync(client, admin, connection)
    [(method, _path, body)] = _pushes(erp)
    assert (method, body) == ("POST", {"name": ours["name"], "region": "South", "industry": None})
    pushed_id = next(r["id"] for r in erp.tables["customers"].values() if r["name"] == ours["name"])
    assert (await _find(client, admin, "Customer", pushed_id))["id"] == ours["id"]
    erp.put("customers", "E1", name="Erp Company")  # changed in the ERP
    await gql(
        client,
        "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { id } }",
        {"i": {"id": ours["id"], "version": ours["version"], "region": "West"}},
        token=admin,
    )  # and in Tessera
    await sync(client, admin, connection)
    assert (await _find(client, admin, "Customer", "E1"))["name"] == "Erp Company"
    assert erp.tables["customers"][pushed_id]["region"] == "West"
    # Nothing new: a run applies nothing, pushes nothing, and no record changes.
    before = (await _find(client, admin, "Customer", "E1"))["version"], len(_pushes(erp))
    erp.touch("customers", "E1")  # re-saved in the ERP without a change
    await sync(client, admin, connection)
    assert ((await _find(client, admin, "Customer", "E1"))["version"], len(_pushes(erp))) == before
    log = (await gql(client, LOG, {"c": connection["id"]}, token=admin)).nodes("syncLog")
    assert {
        "direction": "PULL",
        "stream": "customers",
        "externalId": "E1",
        "status": "UNCHANGED",
    }.items() <= log[1].items()


async def test_a_paid_order_wins_its_opportunity_totals_the_customer_and_fires_rules(
    client, as_alpha, erp, connection
):
    admin = as_alpha["admin"]
    marker = uuid.uuid4().hex[:6]
    rule = await make_rule(
        client,
        admin,
        name="Won by the ERP",
        object="Opportunity",
        trigger={"on": "stage_changed"},
        conditions={"field": "name", "op": "contains", "value": marker},
        actions=[{"type": "add_tags", "names": ["paid"]}],
    )
    try:
        erp.put("customers", "K1", name=f"Buyer {marker}")
        erp.put("orders", f"O1-{marker}", customer_id="K1", amount="1200.00", status="OPEN")
        await sync(client, admin, connection)
        deal = await _find(client, admin, "Opportunity", f"O1-{marker}")
        assert (deal["name"], deal["amount"], deal["stage"]["name"]) == (
            f"Order O1-{marker}",
            "1200.00",
            "Qualification",
        )
        await gql(
            client,
            "mutation($i: UpdateOpportunityInput!) { updateOpportunity(input: $i) { id } }",
            {"i": {"id": deal["id"], "version": 1, "name": f"Big order {marker}"}},
            token=admin,
        )
        erp.put("orders", f"O1-{marker}", status="PAID", paid_at="2026-11-20T10:00:00+00:00")
        await sync(client, admin, connection)
        await deliver()  # the stage change's event reaches the rule
        deal = await _find(client, admin, "Opportunity", f"O1-{marker}")
        assert (deal["stage"]["name"], deal["tags"]) == ("Closed won", ["paid"])
        buyer = await _find(client, admin, "Customer", "K1")
        assert (buyer["lifetimeValue"], buyer["lastOrderAt"][:10]) == ("1200.00", "2026-11-20")
        erp.touch("orders", f"O1-{marker}")  # the same paid order again: counted once
        erp.put(
            "orders",
            f"O2-{marker}",
            customer_id="K1",
            amount="300",
            status="PAID",
            paid_at="2026-11-25T09:00:00+00:00",
        )
        await sync(client, admin, connection)
        buyer = await _find(client, admin, "Customer", "K1")
        assert (buyer["lifetimeValue"], buyer["lastOrderAt"][:10]) == ("1500.00", "2026-11-25")
    finally:
        await disable(client, admin, rule)


async def test_an_order_names_the_tessera_deal_it_came_from(client, as_alpha, erp, connection):
    admin = as_alpha["admin"]
    erp.put("customers", "Q1", name="Quoted")
    await sync(client, admin, connection)
    buyer = await _find(client, admin, "Customer", "Q1")
    deal = (
        await gql(
            client,
            "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { id } }",
            {"i": {"name": "Quote 7", "customerId": buyer["id"]}},
            token=admin,
        )
    ).data["createOpportunity"]
    from strawberry import relay

    erp.put(
        "orders",
        "Q-O1",
        customer_id="Q1",
        amount="99.50",
        status="PAID",
        opportunity_ref=relay.GlobalID.from_id(deal["id"]).node_id,
    )
    await sync(client, admin, connection)
    assert (await _find(client, admin, "Opportunity", "Q-O1"))["id"] == deal["id"]


async def test_conflicts_follow_the_field_owner_or_the_newest_change(
    client, as_alpha, erp, connection
):
    admin = as_alpha["admin"]
    settings = {
        "customerFields": {"name": "name", "region": "region"},
        "conflicts": {"default": "newest", "fields": {"region": "erp"}},
    }
    updated = await gql(
        client,
        "mutation($i: UpdateSyncConnectionInput!) { updateSyncConnection(input: $i) { version } }",
        {"i": {"id": connection["id"], "version": connection["version"], "settings": settings}},
        token=admin,
    )
    assert updated.data, updated.errors
    erp.put("customers", "X1", name="Clash", region="North")
    await sync(client, admin, connection)
    ours = await _find(client, admin, "Customer", "X1")
    # The ERP changes both fields first (its clock runs a day behind), Tessera later: the newer
    # name is ours, and pushed; the region is the ERP's whatever happens, and never pushed.
    erp.put("customers", "X1", name="Old theirs", region="Far East")
    await gql(
        client,
        "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { id } }",
        {
            "i": {
                "id": ours["id"],
                "version": ours["version"],
                "name": "New ours",
                "region": "Ignored",
            }
        },
        token=admin,
    )
    await sync(client, admin, connection)
    now = await _find(client, admin, "Customer", "X1")
    assert (now["name"], now["region"]) == ("New ours", "Far East")
    assert erp.tables["customers"]["X1"]["name"] == "New ours"
    assert all("region" not in (body or {}) for method, _, body in _pushes(erp))
    # Now Tessera changes first and the ERP later: theirs is newer.
    await gql(
        client,
        "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { id } }",
        {"i": {"id": now["id"], "version": now["version"], "name": "Clash (ours)"}},
        token=admin,
    )
    erp._clock = datetime.now(timezone.utc) + timedelta(minutes=1)
    erp.put("customers", "X1", name="Clash (theirs)")
    await sync(client, admin, connection)
    assert (await _find(client, admin, "Customer", "X1"))["name"] == "Clash (theirs)"
    assert (
        erp.tables["customers"]["X1"]["name"] == "Clash (theirs)"
    )  # ours lost: not pushed over theirs


async def test_a_run_that_fails_midway_resumes_where_it_stopped_without_duplicates(
    client, as_alpha, erp, connection
):
    admin = as_alpha["admin"]
    erp.page_limit = 2
    for n in range(5):
        erp.put("customers", f"R{n}", name=f"Paged {n}")
    erp.fail_gets_after = 1  # the second page fails
    await sync(client, admin, connection)
    mine = next(
        c
        for c in (await gql(client, CONNECTIONS, token=admin)).data["syncConnections"]
        if c["id"] == connection["id"]
    )
    assert "500" in mine["lastError"]
    assert [bool(await _find(client, admin, "Customer", f"R{n}")) for n in range(5)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    erp.fail_gets_after = None
    await sync(client, admin, connection)
    assert all([await _find(client, admin, "Customer", f"R{n}") for n in range(5)])
    names = await gql(
        client,
        '{ customers(filter: {name: {like: "Paged %"}}, first: 100) { totalCount } }',
        token=admin,
    )
    assert names.data["customers"]["totalCount"] == 5
    log = (await gql(client, LOG, {"c": connection["id"]}, token=admin)).nodes("syncLog")
    assert [e["status"] for e in log if e["direction"] == "RUN"] == ["APPLIED", "ERROR"]


async def test_one_bad_record_is_logged_and_the_rest_applied(client, as_alpha, erp, connection):
    admin = as_alpha["admin"]
    erp.put("orders", "Lost-1", customer_id="NOBODY", amount="5", status="PAID")
    erp.put("customers", "G1", name="Good")
    erp.put("orders", "Good-1", customer_id="G1", amount="7", status="OPEN")
    await sync(client, admin, connection)
    log = (await gql(client, LOG, {"c": connection["id"]}, token=admin)).nodes("syncLog")
    errors = [e for e in log if e["status"] == "ERROR"]
    assert [(e["externalId"], "no customer has erp id NOBODY" in e["detail"]) for e in errors] == [
        ("Lost-1", True)
    ]
    assert await _find(client, admin, "Opportunity", "Good-1")


async def test_connections_are_checked_admin_only_and_stay_in_their_tenant(
    client, as_alpha, as_beta, tenants, app_db, erp, connection
):
    bad = await gql(
        client,
        CREATE,
        {
            "i": {
                "name": "X",
                "connector": "sap_magic",
                "system": "erp",
                "baseUrl": "ftp://x",
                "settings": {
                    "customerFields": {"shoe": "size"},
                    "conflicts": {"default": "loudest"},
                },
            }
        },
        token=as_alpha["admin"],
    )
    assert {e["field"] for e in bad.errors[0]["extensions"]["fieldErrors"]} == {
        "connector",
        "baseUrl",
        "settings.customerFields.shoe",
        "settings.conflicts.default",
    }
    assert (await gql(client, CONNECTIONS, token=as_alpha["manager"])).codes == ["FORBIDDEN"]
    beta = as_beta["admin"]
    assert connection["id"] not in [
        c["id"] for c in (await gql(client, CONNECTIONS, token=beta)).data["syncConnections"]
    ]
    assert (await gql(client, LOG, {"c": connection["id"]}, token=beta)).nodes("syncLog") == []
    run = await gql(
        client,
        "mutation($i: SyncConnectionRefInput!) { runSyncNow(input: $i) { id } }",
        {"i": {"id": connection["id"]}},
        token=beta,
    )
    assert run.codes == ["NOT_FOUND"]
    from strawberry import relay

    raw = uuid.UUID(relay.GlobalID.from_id(connection["id"]).node_id)
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", tenants["beta"].id)
        assert await app_db.fetch("SELECT id FROM sync_connection WHERE id = $1", raw) == []
        assert await app_db.fetch("SELECT 1 FROM sync_state WHERE connection_id = $1", raw) == []


async def test_a_connection_changes_against_its_version_and_refuses_bad_settings(
    client, as_alpha, erp, connection
):
    admin = as_alpha["admin"]
    update = "mutation($i: UpdateSyncConnectionInput!) { updateSyncConnection(input: $i) { version settings intervalSeconds } }"
    bad = await gql(
        client,
        update,
        {
            "i": {
                "id": connection["id"],
                "version": connection["version"],
                "settings": {
                    "customerFields": {"name": "name"},
                    "conflicts": {"fields": {"region": "erp"}},
                },
                "intervalSeconds": 5,
            }
        },
        token=admin,
    )
    assert {e["field"] for e in bad.errors[0]["extensions"]["fieldErrors"]} == {
        "settings.conflicts.fields.region",
        "intervalSeconds",
    }
    good = await gql(
        client,
        update,
        {"i": {"id": connection["id"], "version": connection["version"], "intervalSeconds": 600}},
        token=admin,
    )
    assert good.data["updateSyncConnection"]["intervalSeconds"] == 600
    assert good.data["updateSyncConnection"]["settings"]["customerFields"] == {
        "name": "name",
        "region": "region",
        "industry": "industry",
    }
    stale = await gql(
        client,
        update,
        {"i": {"id": connection["id"], "version": connection["version"], "intervalSeconds": 60}},
        token=admin,
    )
    assert stale.codes == ["CONFLICT"]


async def test_pulled_text_that_cannot_be_stored_is_that_records_error_and_the_run_goes_on(
    client, as_alpha, erp, connection
):
    admin = as_alpha["admin"]
    erp.put("customers", "Z1", name="Nul\u0000 Ltd")
    erp.put("customers", "Z2\ud800", name="Odd id")
    erp.put("customers", "Z3", name="Fine Ltd")
    await sync(client, admin, connection)
    log = (await gql(client, LOG, {"c": connection["id"]}, token=admin)).nodes("syncLog")
    errors = {entry["externalId"]: entry["detail"] for entry in log if entry["status"] == "ERROR"}
    assert errors == {
        "Z1": "not taken in: $.record.name: text must not contain NUL characters or unpaired surrogates",
        "Z2\ufffd": "not taken in: $.id: text must not contain NUL characters or unpaired surrogates",
    }
    assert (await _find(client, admin, "Customer", "Z3"))["name"] == "Fine Ltd"
    mine = next(
        c
        for c in (await gql(client, CONNECTIONS, token=admin)).data["syncConnections"]
        if c["id"] == connection["id"]
    )
    assert mine["lastError"] is None
