"""The language of messages: the user's own locale, else Accept-Language, else the tenant's; codes
and field paths the same in every language."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest

from domain.i18n import negotiate, translate
from domain.i18n.catalog import FIELDS
from tests.support.graphql import gql

ROOT = Path(__file__).resolve().parents[2]
LEAD = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }"
SETTINGS = "{ tenantSettings { version locale } }"
UPDATE = "mutation($i: UpdateTenantSettingsInput!) { updateTenantSettings(input: $i) { locale } }"
SET_MY_LOCALE = "mutation($i: SetMyLocaleInput!) { setMyLocale(input: $i) { locale } }"
BAD_LEAD = {"companyName": "", "phone": "12345", "email": "nope"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def _bad(response):
    assert response.codes == ["BAD_USER_INPUT"], response.body
    error = response.errors[0]
    return error["message"], {
        (e["field"], e["code"]): e["message"] for e in error["extensions"]["fieldErrors"]
    }


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("en-GB, zh;q=0.5", "en"),
        ("zh-Hans", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-TW, en;q=0.3", "en"),
        ("fr-FR, de", None),
        ("en;q=0.2, zh-CN;q=0.8", "zh-CN"),
        ("", None),
        (None, None),
        ("zh-CN;q=0, en;q=0.1", "en"),
        ("x" * 600, None),
        ("zh;q=abc, en", "en"),
    ],
)
def test_accept_language_picks_a_supported_locale(header, locale):
    assert negotiate(header) == locale


def test_the_catalog_translates_by_key_with_params():
    assert translate("error.FORBIDDEN", "zh-CN") == "您的角色无权执行此操作"
    assert translate("error.FORBIDDEN", "en") == "Your role does not allow this"
    body = translate(
        "notification.webhook_disabled.body",
        "zh-CN",
        url="https://x.test",
        reason="too many failures",
    )
    assert body.startswith("https://x.test 已被停用")
    assert (
        translate("notification.webhook_disabled.body", "en", url="u")
        == "u was disabled because {reason}. Fix the receiver, then enable the endpoint again."
    )
    assert translate("no.such.key", "zh-CN") == "no.such.key"


def _raised_codes(package: Path) -> set[str]:
    """Field-error codes written as literals in FieldError(...), InvalidInput.single(...), Invalid(...)
    and checker.error(...) calls."""
    codes = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            position = {"FieldError": 1, "single": 1, "Invalid": 0, "error": 1}.get(name)
            if position is not None and len(node.args) > position:
                argument = node.args[position]
                if (
                    isinstance(argument, ast.Constant)
                    and isinstance(argument.value, str)
                    and argument.value.isupper()
                ):
                    codes.add(argument.value)
    return codes


def test_every_field_error_code_of_the_core_has_a_chinese_message():
    packages = (
        "records",
        "custom",
        "calendars",
        "tenant_settings",
        "identity",
        "integrations",
        "outbound",
        "crm",
    )
    codes = set().union(*(_raised_codes(ROOT / "domain" / package) for package in packages))
    assert len(codes) > 40  # the scan itself works
    assert sorted(codes - set(FIELDS)) == []


async def test_error_messages_follow_accept_language_with_codes_and_paths_unchanged(
    client, settings_tenant
):
    admin = settings_tenant["admin"]
    english_message, english = _bad(
        await gql(client, LEAD, {"i": BAD_LEAD}, token=admin, headers=EN)
    )
    chinese_message, chinese = _bad(
        await gql(client, LEAD, {"i": BAD_LEAD}, token=admin, headers=ZH)
    )
    assert (
        set(english)
        == set(chinese)
        == {("personName", "REQUIRED"), ("phone", "INVALID_PHONE"), ("email", "INVALID_EMAIL")}
    )
    assert english_message == "Invalid input" and chinese_message == "输入无效"
    assert chinese[("phone", "INVALID_PHONE")] == "不是有效的电话号码"
    assert "12345" in english[("phone", "INVALID_PHONE")]
    # Other codes of the closed set are worded too
    viewer = await gql(
        client, LEAD, {"i": {"companyName": "x"}}, token=settings_tenant["viewer"], headers=ZH
    )
    assert viewer.codes == ["FORBIDDEN"] and viewer.errors[0]["message"] == "您的角色无权执行此操作"
    anonymous = await gql(client, LEAD, {"i": {"companyName": "x"}}, headers=ZH)
    assert anonymous.codes == ["UNAUTHENTICATED"] and anonymous.errors[0]["message"] == "需要登录"
    # A document error keeps graphql-core's own text, for the developer
    typo = await gql(client, "{ tenantSettingz { locale } }", token=admin, headers=ZH)
    assert typo.codes == ["BAD_USER_INPUT"] and "tenantSettingz" in typo.errors[0]["message"]


async def test_the_profile_locale_wins_then_the_header_then_the_tenant(client, settings_tenant):
    agent, admin = settings_tenant["agent"], settings_tenant["admin"]
    # Without a header or own locale: the tenant's locale
    version = (await gql(client, SETTINGS, token=admin)).data["tenantSettings"]["version"]
    await gql(client, UPDATE, {"i": {"version": version, "locale": "zh-CN"}}, token=admin)
    assert _bad(await gql(client, LEAD, {"i": BAD_LEAD}, token=admin))[0] == "输入无效"
    # A header beats the tenant's locale
    assert (
        _bad(await gql(client, LEAD, {"i": BAD_LEAD}, token=admin, headers=EN))[0]
        == "Invalid input"
    )
    # The user's own locale beats the header, for that user only
    chosen = await gql(client, SET_MY_LOCALE, {"i": {"locale": "zh-CN"}}, token=agent)
    assert chosen.data["setMyLocale"]["locale"] == "zh-CN"
    assert (await gql(client, "{ me { locale } }", token=agent)).data["me"]["locale"] == "zh-CN"
    forbidden = await gql(
        client, UPDATE, {"i": {"version": version + 1, "locale": "en"}}, token=agent, headers=EN
    )
    assert forbidden.errors[0]["message"] == "您的角色无权执行此操作"
    await gql(client, UPDATE, {"i": {"version": version + 1, "locale": "en"}}, token=admin)
    assert _bad(await gql(client, LEAD, {"i": BAD_LEAD}, token=admin))[0] == "Invalid input"
    # Cleared, the header decides again; an unknown locale is refused with its path
    await gql(client, SET_MY_LOCALE, {"i": {"locale": None}}, token=agent)
    assert (
        await gql(client, UPDATE, {"i": {"version": 0, "locale": "en"}}, token=agent, headers=EN)
    ).errors[0]["message"] == "Your role does not allow this"
    wrong = await gql(client, SET_MY_LOCALE, {"i": {"locale": "fr"}}, token=agent, headers=ZH)
    assert _bad(wrong)[1] == {("locale", "INVALID_CHOICE"): "不是允许的选项之一"}


async def test_system_notifications_are_written_in_each_recipients_language(
    client, settings_tenant
):
    from domain.notifications import notify_users_translated
    from tenants.context import tenant_transaction

    admin, manager = settings_tenant["admin"], settings_tenant["manager"]
    await gql(client, SET_MY_LOCALE, {"i": {"locale": "zh-CN"}}, token=manager)
    ids = {}
    for role in ("admin", "manager"):
        me = (await gql(client, "{ me { id } }", token=settings_tenant[role])).data["me"]["id"]
        ids[role] = uuid.UUID(__import__("base64").b64decode(me).decode().split(":", 1)[1])
    async with tenant_transaction(uuid.UUID(settings_tenant["id"])):
        sent = await notify_users_translated(
            list(ids.values()),
            key="webhook_disabled",
            params={"url": "https://erp.test/hook", "reason": "it kept failing"},
            record_type=None,
            record_id=None,
        )
    assert sent == 2
    notes = "{ notifications { edges { node { title body } } } }"
    [english] = [
        n
        for n in (await gql(client, notes, token=admin)).nodes("notifications")
        if "erp.test" in (n["body"] or "")
    ]
    [chinese] = [
        n
        for n in (await gql(client, notes, token=manager)).nodes("notifications")
        if "erp.test" in (n["body"] or "")
    ]
    assert english["title"] == "A webhook endpoint was disabled"
    assert chinese["title"] == "一个 Webhook 端点已被停用" and chinese["body"].startswith(
        "https://erp.test/hook 已被停用"
    )
    await gql(client, SET_MY_LOCALE, {"i": {"locale": None}}, token=manager)
