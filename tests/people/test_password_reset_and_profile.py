"""Password reset by email (single-use, expiring, no account enumeration) and one's own profile."""

from __future__ import annotations

import uuid

from tests.conftest import PASSWORD
from tests.support import cli
from tests.support.graphql import gql, login

REQUEST = """mutation($i: RequestPasswordResetInput!) { requestPasswordReset(input: $i) }"""
RESET = """mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }"""
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }"
PROFILE = """mutation($i: UpdateMyProfileInput!) {
  updateMyProfile(input: $i) { name timeZone locale } }"""


async def crew_member() -> str:
    email = f"reset-{uuid.uuid4().hex[:8]}@crew.test"
    cli.ok(
        await cli.arun(
            "user",
            "add",
            "--tenant",
            "crew",
            "--email",
            email,
            "--password",
            PASSWORD,
            "--role",
            "member",
        )
    )
    return email


async def test_a_reset_link_sets_a_new_password_once_and_ends_sessions(client, crews, mailbox):
    email = await crew_member()
    old_session = await login(client, "crew", email, PASSWORD)
    assert (await gql(client, REQUEST, {"i": {"tenant": "crew", "email": email}})).data == {
        "requestPasswordReset": True
    }
    token = mailbox.link_to(email)
    assert (await gql(client, RESET, {"i": {"token": token, "password": "brand-new-pass"}})).data
    assert (await gql(client, "{ me { email } }", token=old_session["accessToken"])).codes == [
        "UNAUTHENTICATED"
    ]
    assert (
        await gql(client, LOGIN, {"i": {"tenant": "crew", "email": email, "password": PASSWORD}})
    ).codes == ["UNAUTHENTICATED"]
    assert await login(client, "crew", email, "brand-new-pass")
    again = await gql(client, RESET, {"i": {"token": token, "password": "other-pass-word"}})
    assert again.errors[0]["extensions"]["fieldErrors"][0]["code"] == "INVALID_LINK"


async def test_an_expired_reset_link_or_a_newer_request_kills_the_link(
    client, crews, mailbox, owner_db
):
    email = await crew_member()
    await gql(client, REQUEST, {"i": {"tenant": "crew", "email": email}})
    first = mailbox.link_to(email)
    await gql(client, REQUEST, {"i": {"tenant": "crew", "email": email}})
    second = mailbox.link_to(email)
    assert first != second
    assert (
        await gql(client, RESET, {"i": {"token": first, "password": "x-password-1"}})
    ).codes == ["BAD_USER_INPUT"]
    await owner_db.execute(
        "UPDATE account_link SET expires_at = now() - interval '1 second' "
        "WHERE user_id = (SELECT id FROM app_user WHERE email = $1)",
        email,
    )
    assert (
        await gql(client, RESET, {"i": {"token": second, "password": "x-password-1"}})
    ).codes == ["BAD_USER_INPUT"]
    assert await login(client, "crew", email, PASSWORD)


async def test_unknown_addresses_get_the_same_answer_and_no_mail(client, crews, mailbox):
    for tenant, email in (
        ("crew", "nobody@crew.test"),
        ("no-such-tenant", "admin@crew.test"),
        ("crew-rival", "admin@crew.test"),  # a member of another tenant
    ):
        answer = await gql(client, REQUEST, {"i": {"tenant": tenant, "email": email}})
        assert answer.data == {"requestPasswordReset": True}
    assert mailbox.messages() == []


async def test_reset_requests_are_rate_limited_per_account(
    client, app, crews, mailbox, monkeypatch
):
    monkeypatch.setattr(app.state.rate_limits, "login_per_identity", 2)
    email = f"flood-{uuid.uuid4().hex[:6]}@crew.test"
    answers = [
        await gql(client, REQUEST, {"i": {"tenant": "crew", "email": email}}) for _ in range(3)
    ]
    assert [a.codes for a in answers] == [[], [], ["RATE_LIMITED"]]
    # Its own keys: signing in is not blocked by reset requests.
    assert await login(client, "crew", "admin@crew.test", PASSWORD)


async def test_profile_name_time_zone_and_locale(client, crews):
    email = await crew_member()
    session = (await login(client, "crew", email, PASSWORD))["accessToken"]
    changed = await gql(
        client, PROFILE, {"i": {"name": "Ada", "timeZone": "Asia/Shanghai"}}, token=session
    )
    assert changed.data["updateMyProfile"] == {
        "name": "Ada",
        "timeZone": "Asia/Shanghai",
        "locale": None,
    }
    only_locale = await gql(client, PROFILE, {"i": {"locale": "zh-CN"}}, token=session)
    assert only_locale.data["updateMyProfile"] == {
        "name": "Ada",
        "timeZone": "Asia/Shanghai",
        "locale": "zh-CN",
    }
    cleared = await gql(client, PROFILE, {"i": {"timeZone": None, "locale": None}}, token=session)
    assert cleared.data["updateMyProfile"]["timeZone"] is None
    bad = await gql(client, PROFILE, {"i": {"timeZone": "Mars/Olympus", "name": ""}}, token=session)
    fields = {e["field"] for e in bad.errors[0]["extensions"]["fieldErrors"]}
    assert fields == {"timeZone", "name"}
    members = await gql(
        client,
        "query($s: String) { members(search: $s) { edges { node { name timeZone } } } }",
        {"s": email},
        token=crews["crew"],
    )
    assert members.data["members"]["edges"] == [{"node": {"name": "Ada", "timeZone": None}}]
