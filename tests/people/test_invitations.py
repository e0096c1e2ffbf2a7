"""Inviting people by email: the link in the mail sets a password once, then works no more."""

from __future__ import annotations

import uuid

from tests.conftest import PASSWORD
from tests.support.graphql import gql, login

INVITE = """mutation($i: InviteMemberInput!) {
  inviteMember(input: $i) { id email name role status invitedAt user { id } } }"""
ACCEPT = """mutation($i: AcceptInvitationInput!) {
  acceptInvitation(input: $i) { accessToken refreshToken } }"""
MEMBERS = """query($s: [MemberStatus!], $search: String) {
  members(status: $s, search: $search) { totalCount edges { node { id email status role } } } }"""


def unique_email() -> str:
    return f"new-{uuid.uuid4().hex[:10]}@example.test"


async def test_an_invited_person_sets_a_password_with_the_mailed_link(client, crews, mailbox):
    address = unique_email()
    invited = (
        await gql(
            client,
            INVITE,
            {"i": {"email": address, "role": "MEMBER", "name": "Nova"}},
            token=crews["crew"],
        )
    ).data["inviteMember"]
    assert invited["status"] == "INVITED" and invited["role"] == "MEMBER"
    assert invited["invitedAt"]
    # Not yet a working account: no password, no login.
    refused = await gql(
        client,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        {"i": {"tenant": "crew", "email": address, "password": PASSWORD}},
    )
    assert refused.codes == ["UNAUTHENTICATED"]
    listed = (await gql(client, MEMBERS, {"s": ["INVITED"]}, token=crews["crew"])).data["members"]
    assert address in {edge["node"]["email"] for edge in listed["edges"]}

    token = mailbox.link_to(address)
    session = (
        await gql(client, ACCEPT, {"i": {"token": token, "password": "a-new-password-1"}})
    ).data["acceptInvitation"]
    me = (await gql(client, "{ me { email name role } }", token=session["accessToken"])).data["me"]
    assert me == {"email": address, "name": "Nova", "role": "MEMBER"}
    assert await login(client, "crew", address, "a-new-password-1")
    # The link worked once.
    again = await gql(client, ACCEPT, {"i": {"token": token, "password": "another-password"}})
    assert again.codes == ["BAD_USER_INPUT"]
    assert again.errors[0]["extensions"]["fieldErrors"][0]["code"] == "INVALID_LINK"
    active = (await gql(client, MEMBERS, {"search": address}, token=crews["crew"])).data["members"]
    assert [edge["node"]["status"] for edge in active["edges"]] == ["ACTIVE"]


async def test_inviting_again_replaces_the_link(client, crews, mailbox):
    address = unique_email()
    for _ in range(2):
        await gql(client, INVITE, {"i": {"email": address, "role": "AGENT"}}, token=crews["crew"])
    mails = [m for m in mailbox.messages() if m["To"] == address]
    assert len(mails) == 2  # the first link is dead now
    first = mails[0]
    assert first["Subject"].startswith("You are invited to Crew")
    old = first.get_payload(decode=True).decode().split("?token=")[1].split()[0]
    assert (await gql(client, ACCEPT, {"i": {"token": old, "password": "pass-word-9"}})).codes == [
        "BAD_USER_INPUT"
    ]
    new = mailbox.link_to(address)
    assert (await gql(client, ACCEPT, {"i": {"token": new, "password": "pass-word-9"}})).data


async def test_an_expired_or_forged_link_does_nothing(client, crews, mailbox, owner_db):
    address = unique_email()
    await gql(client, INVITE, {"i": {"email": address, "role": "VIEWER"}}, token=crews["crew"])
    token = mailbox.link_to(address)
    await owner_db.execute(
        "UPDATE account_link SET expires_at = now() - interval '1 second' "
        "WHERE user_id = (SELECT id FROM app_user WHERE email = $1)",
        address,
    )
    assert (
        await gql(client, ACCEPT, {"i": {"token": token, "password": "pass-word-9"}})
    ).codes == ["BAD_USER_INPUT"]
    for forged in ("tsl_nothing", token[:-3] + "abc", "x" * 500):
        answer = await gql(client, ACCEPT, {"i": {"token": forged, "password": "pass-word-9"}})
        assert answer.codes == ["BAD_USER_INPUT"]


async def test_an_existing_member_cannot_be_invited_and_bad_input_is_named(client, crews, mailbox):
    taken = await gql(
        client, INVITE, {"i": {"email": "admin@crew.test", "role": "MEMBER"}}, token=crews["crew"]
    )
    assert taken.errors[0]["extensions"]["fieldErrors"][0]["code"] == "ALREADY_MEMBER"
    bad = await gql(
        client, INVITE, {"i": {"email": "not an email", "role": "MEMBER"}}, token=crews["crew"]
    )
    assert bad.errors[0]["extensions"]["fieldErrors"][0]["field"] == "email"
    short = await gql(client, ACCEPT, {"i": {"token": "tsl_x", "password": "short"}})
    assert short.errors[0]["extensions"]["fieldErrors"][0]["field"] == "password"


async def test_a_user_of_another_tenant_joins_with_the_invitation(client, crews, tenants, mailbox):
    # Users are global: beta's member is invited to crew; the other tenant learns nothing else.
    address = tenants["beta"].email("viewer")
    await gql(client, INVITE, {"i": {"email": address, "role": "MEMBER"}}, token=crews["crew"])
    token = mailbox.link_to(address)
    accepted = await gql(client, ACCEPT, {"i": {"token": token, "password": PASSWORD}})
    assert accepted.data["acceptInvitation"]["accessToken"]
    assert await login(client, "beta", address, PASSWORD)  # still a member there


async def test_only_admins_invite_and_tokens_need_admin_write(client, as_alpha, mailbox):
    for role in ("manager", "member", "agent", "viewer"):
        answer = await gql(
            client, INVITE, {"i": {"email": unique_email(), "role": "MEMBER"}}, token=as_alpha[role]
        )
        assert answer.codes == ["FORBIDDEN"]
    assert mailbox.messages() == []


async def test_without_mail_an_invitation_is_refused_and_nothing_is_kept(client, crews):
    address = unique_email()
    answer = await gql(
        client, INVITE, {"i": {"email": address, "role": "MEMBER"}}, token=crews["crew"]
    )
    assert answer.codes == ["UNAVAILABLE"]
    listed = (await gql(client, MEMBERS, {"search": address}, token=crews["crew"])).data["members"]
    assert listed["totalCount"] == 0
