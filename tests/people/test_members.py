"""Members with their status, role changes, deactivation and reactivation, and the rule that the
tenant always keeps an active admin (also when two admins demote each other at the same moment)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.conftest import PASSWORD
from tests.support import cli
from tests.support.graphql import create_token, gql, login

ROLE = """mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { id role status } }"""
DEACTIVATE = (
    """mutation($i: MemberInput!) { deactivateMember(input: $i) { id status deactivatedAt } }"""
)
REACTIVATE = """mutation($i: MemberInput!) { reactivateMember(input: $i) { id status } }"""
MEMBERS = """query($s: [MemberStatus!], $search: String, $first: Int, $after: String, $last: Int,
  $before: String) {
  members(status: $s, search: $search, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { id email status role user { id } } } } }"""


async def add_member(slug: str, role: str) -> str:
    email = f"{role}-{uuid.uuid4().hex[:8]}@{slug}.test"
    cli.ok(
        await cli.arun(
            "user",
            "add",
            "--tenant",
            slug,
            "--email",
            email,
            "--password",
            PASSWORD,
            "--role",
            role,
        )
    )
    return email


async def member_id(client, token: str, email: str) -> str:
    found = (await gql(client, MEMBERS, {"search": email}, token=token)).data["members"]["edges"]
    assert len(found) == 1, found
    return found[0]["node"]["id"]


async def test_a_deactivated_member_is_stopped_at_once_and_can_come_back(client, crews):
    admin = crews["crew"]
    email = await add_member("crew", "manager")
    session = await login(client, "crew", email, PASSWORD)
    member = await member_id(client, admin, email)
    assert (await gql(client, "{ me { email } }", token=session["accessToken"])).data

    deactivated = (await gql(client, DEACTIVATE, {"i": {"id": member}}, token=admin)).data[
        "deactivateMember"
    ]
    assert deactivated["status"] == "DEACTIVATED" and deactivated["deactivatedAt"]
    # The very next request with the old session fails, and so do refresh and login.
    assert (await gql(client, "{ me { email } }", token=session["accessToken"])).codes == [
        "UNAUTHENTICATED"
    ]
    refresh = await gql(
        client,
        "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { accessToken } }",
        {"t": session["refreshToken"]},
    )
    assert refresh.codes == ["UNAUTHENTICATED"]
    relogin = await gql(
        client,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        {"i": {"tenant": "crew", "email": email, "password": PASSWORD}},
    )
    assert relogin.codes == ["UNAUTHENTICATED"]
    # Non-admins no longer see them in pickers; admins do, with the status.
    assert (await gql(client, MEMBERS, {"s": ["DEACTIVATED"]}, token=admin)).data["members"][
        "totalCount"
    ] >= 1

    back = (await gql(client, REACTIVATE, {"i": {"id": member}}, token=admin)).data
    assert back["reactivateMember"]["status"] == "ACTIVE"
    again = await login(client, "crew", email, PASSWORD)
    assert (await gql(client, "{ me { email } }", token=again["accessToken"])).data
    # The old session stays ended.
    assert (await gql(client, "{ me { email } }", token=session["accessToken"])).codes == [
        "UNAUTHENTICATED"
    ]


async def test_a_deactivated_members_api_token_stops_working(client, crews):
    admin = crews["crew"]
    email = await add_member("crew", "admin")
    own = await login(client, "crew", email, PASSWORD)
    secret = (await create_token(client, own["accessToken"], ["crm:read"], name="script"))["secret"]
    assert (await gql(client, "{ customers { totalCount } }", token=secret)).data
    member = await member_id(client, admin, email)
    await gql(client, DEACTIVATE, {"i": {"id": member}}, token=admin)
    assert (await gql(client, "{ customers { totalCount } }", token=secret)).codes == [
        "UNAUTHENTICATED"
    ]
    await gql(client, REACTIVATE, {"i": {"id": member}}, token=admin)
    # Deactivation revoked the token for good: a reactivated member makes new ones.
    assert (await gql(client, "{ customers { totalCount } }", token=secret)).codes == [
        "UNAUTHENTICATED"
    ]


async def test_roles_change_and_take_effect_on_the_next_request(client, crews):
    admin = crews["crew"]
    email = await add_member("crew", "viewer")
    session = await login(client, "crew", email, PASSWORD)
    member = await member_id(client, admin, email)
    changed = await gql(client, ROLE, {"i": {"id": member, "role": "MANAGER"}}, token=admin)
    assert changed.data["changeMemberRole"]["role"] == "MANAGER"
    me = await gql(client, "{ me { role } }", token=session["accessToken"])
    assert me.data["me"]["role"] == "MANAGER"
    # The User id (as records show owners) names the same member.
    user_id = (await gql(client, "{ me { id } }", token=session["accessToken"])).data["me"]["id"]
    back = await gql(client, ROLE, {"i": {"id": user_id, "role": "VIEWER"}}, token=admin)
    assert back.data["changeMemberRole"]["role"] == "VIEWER"
    wrong = await gql(
        client, ROLE, {"i": {"id": "Q3VzdG9tZXI6MQ==", "role": "VIEWER"}}, token=admin
    )
    assert wrong.codes == ["BAD_USER_INPUT"]
    # Only admins manage members.
    assert (
        await gql(
            client, ROLE, {"i": {"id": member, "role": "ADMIN"}}, token=session["accessToken"]
        )
    ).codes == ["FORBIDDEN"]


@pytest.fixture
async def lonely(client, tenants):
    """A tenant of its own with exactly one admin (its admins are demoted in tests)."""
    slug = f"solo-{uuid.uuid4().hex[:6]}"
    cli.ok(
        await cli.arun(
            "tenant",
            "create",
            slug,
            "--name",
            "Solo",
            "--admin-email",
            f"admin@{slug}.test",
            "--admin-password",
            PASSWORD,
        )
    )
    return slug, (await login(client, slug, f"admin@{slug}.test", PASSWORD))["accessToken"]


async def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(client, lonely):
    slug, admin = lonely
    me = (await gql(client, "{ me { id } }", token=admin)).data["me"]["id"]
    for query, variables in (
        (ROLE, {"i": {"id": me, "role": "MANAGER"}}),
        (DEACTIVATE, {"i": {"id": me}}),
    ):
        answer = await gql(client, query, variables, token=admin)
        assert answer.codes == ["BAD_USER_INPUT"]
        assert answer.errors[0]["extensions"]["fieldErrors"][0]["code"] == "LAST_ADMIN"
    # A deactivated admin does not count: with a second admin deactivated, the first is still last.
    other = await add_member(slug, "admin")
    other_id = await member_id(client, admin, other)
    assert (await gql(client, DEACTIVATE, {"i": {"id": other_id}}, token=admin)).data
    assert (await gql(client, ROLE, {"i": {"id": me, "role": "MEMBER"}}, token=admin)).codes == [
        "BAD_USER_INPUT"
    ]


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(client, lonely, owner_db):
    slug, first_admin = lonely
    second_email = await add_member(slug, "admin")
    second_admin = (await login(client, slug, second_email, PASSWORD))["accessToken"]
    first_id = (await gql(client, "{ me { id } }", token=first_admin)).data["me"]["id"]
    second_id = (await gql(client, "{ me { id } }", token=second_admin)).data["me"]["id"]

    # Both requests must be past authentication (both callers still admins) before either
    # changes anything: hold the members lock of the tenant until both wait for it.
    tenant_id = await owner_db.fetchval("SELECT id FROM tenant WHERE slug = $1", slug)
    key = f"tessera.members:{tenant_id}"
    await owner_db.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", key)
    try:
        racing = [
            asyncio.create_task(
                gql(client, ROLE, {"i": {"id": second_id, "role": "MEMBER"}}, token=first_admin)
            ),
            asyncio.create_task(
                gql(client, ROLE, {"i": {"id": first_id, "role": "MEMBER"}}, token=second_admin)
            ),
        ]
        for _ in range(600):
            waiting = await owner_db.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if waiting >= 2 or any(task.done() for task in racing):
                break
            await asyncio.sleep(0.05)
    finally:
        await owner_db.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)
    answers = await asyncio.gather(*racing)

    assert sorted(tuple(a.codes) for a in answers) == [(), ("BAD_USER_INPUT",)]
    admins = await owner_db.fetchval(
        "SELECT count(*) FROM membership m JOIN tenant t ON t.id = m.tenant_id "
        "WHERE t.slug = $1 AND m.role = 'admin' AND m.status = 'active'",
        slug,
    )
    assert admins == 1


async def test_members_page_both_ways(client, crews):
    admin = crews["crew"]
    for _ in range(3):
        await add_member("crew", "agent")
    everyone = (await gql(client, MEMBERS, {"first": 100}, token=admin)).data["members"]
    emails = [edge["node"]["email"] for edge in everyone["edges"]]
    assert everyone["totalCount"] == len(emails) >= 4
    page = (await gql(client, MEMBERS, {"first": 2}, token=admin)).data["members"]
    assert [e["node"]["email"] for e in page["edges"]] == emails[:2]
    assert page["pageInfo"]["hasNextPage"] and not page["pageInfo"]["hasPreviousPage"]
    after = page["pageInfo"]["endCursor"]
    nxt = (await gql(client, MEMBERS, {"first": 2, "after": after}, token=admin)).data["members"]
    assert [e["node"]["email"] for e in nxt["edges"]] == emails[2:4]
    assert nxt["pageInfo"]["hasPreviousPage"]
    before = nxt["pageInfo"]["startCursor"]
    back = (await gql(client, MEMBERS, {"last": 1, "before": before}, token=admin)).data["members"]
    assert [e["node"]["email"] for e in back["edges"]] == [emails[1]]
    assert back["pageInfo"]["hasPreviousPage"] and back["pageInfo"]["hasNextPage"]
    tail = (await gql(client, MEMBERS, {"last": 2}, token=admin)).data["members"]
    assert [e["node"]["email"] for e in tail["edges"]] == emails[-2:]
    bad = await gql(client, MEMBERS, {"after": "nonsense!"}, token=admin)
    assert bad.codes == ["BAD_USER_INPUT"]


async def test_node_answers_members_and_non_admins_see_active_ones_only(client, crews, mailbox):
    admin = crews["crew"]
    email = await add_member("crew", "member")
    session = await login(client, "crew", email, PASSWORD)
    invited = f"pending-{uuid.uuid4().hex[:8]}@example.test"
    pending = (
        await gql(
            client,
            "mutation($i: InviteMemberInput!) { inviteMember(input: $i) { id } }",
            {"i": {"email": invited, "role": "AGENT"}},
            token=admin,
        )
    ).data["inviteMember"]["id"]
    node = "query($id: ID!) { node(id: $id) { ... on Member { email status } } }"
    assert (await gql(client, node, {"id": pending}, token=admin)).data["node"]["status"] == (
        "INVITED"
    )
    assert (await gql(client, node, {"id": pending}, token=session["accessToken"])).data[
        "node"
    ] is None
    seen = (await gql(client, MEMBERS, {"first": 100}, token=session["accessToken"])).data
    statuses = {edge["node"]["status"] for edge in seen["members"]["edges"]}
    assert statuses == {"ACTIVE"}
    assert invited not in {edge["node"]["email"] for edge in seen["members"]["edges"]}


async def test_another_tenants_admin_can_neither_see_nor_change_members(
    client, crews, mailbox, app_db
):
    crew, rival = crews["crew"], crews["crew-rival"]
    email = await add_member("crew", "member")
    member = await member_id(client, crew, email)
    listed = (await gql(client, MEMBERS, {"first": 100}, token=rival)).data["members"]
    assert email not in {edge["node"]["email"] for edge in listed["edges"]}
    node = "query($id: ID!) { node(id: $id) { ... on Member { email } } }"
    assert (await gql(client, node, {"id": member}, token=rival)).data["node"] is None
    for query, variables in (
        (ROLE, {"i": {"id": member, "role": "ADMIN"}}),
        (DEACTIVATE, {"i": {"id": member}}),
        (REACTIVATE, {"i": {"id": member}}),
    ):
        assert (await gql(client, query, variables, token=rival)).codes == ["NOT_FOUND"]
    session = await login(client, "crew", email, PASSWORD)
    assert (await gql(client, "{ me { role } }", token=session["accessToken"])).data["me"][
        "role"
    ] == "MEMBER"
    # Inviting crew's member into the rival tenant adds a membership there, changes nothing here.
    await gql(
        client,
        "mutation($i: InviteMemberInput!) { inviteMember(input: $i) { id } }",
        {"i": {"email": email, "role": "ADMIN"}},
        token=rival,
    )
    assert (await gql(client, "{ me { role } }", token=session["accessToken"])).data["me"][
        "role"
    ] == "MEMBER"

    # In the database: the rival tenant sees only its own memberships and links.
    owner_ids = {
        slug: tenant_id for slug, tenant_id in await app_db.fetch("SELECT slug, id FROM tenant")
    }
    async with app_db.transaction():
        await app_db.execute(
            "SELECT set_config('app.tenant_id', $1, true)", str(owner_ids["crew-rival"])
        )
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM membership WHERE tenant_id <> $1", owner_ids["crew-rival"]
            )
            == 0
        )
        assert (
            await app_db.fetchval(
                "SELECT count(*) FROM account_link WHERE tenant_id <> $1", owner_ids["crew-rival"]
            )
            == 0
        )
        changed = await app_db.execute(
            "UPDATE membership SET role = 'viewer' WHERE tenant_id = $1", owner_ids["crew"]
        )
        assert changed == "UPDATE 0"
    async with app_db.transaction():
        # Without a tenant nobody can call the privileged path that creates users.
        with pytest.raises(Exception, match="needs a tenant"):
            await app_db.fetchval(
                "SELECT tessera_user_for_invitation(gen_random_uuid(), 'x@y.test', '')"
            )
    async with app_db.transaction():
        await app_db.execute("SELECT set_config('app.tenant_id', $1, true)", str(owner_ids["crew"]))
        # The application role still cannot insert users itself.
        with pytest.raises(Exception, match="permission denied"):
            await app_db.execute(
                "INSERT INTO app_user (id, email, name) VALUES (gen_random_uuid(), 'z@y.test', '')"
            )
