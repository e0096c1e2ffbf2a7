"""Actions whose effect leaves the database: email over SMTP and a signed HTTP call.

They run inside the run's transaction, so a failure undoes the stretch and the run retries; a
redelivery after a crash, or a retry after a later step failed, may send again. Every attempt of
the same step carries the same key (the email's Message-ID, the call's `webhook-id`), so a
receiver drops repeats: delivery is at least once, and once per key where receivers honour it.
Tests of a rule (dry runs) only describe what would be sent."""

from __future__ import annotations

import time
from typing import Any

from email_validator import EmailNotValidError, validate_email

from domain.automation.context import Context, NoRecipients, plugged_recipients, recipients, render
from domain.automation.targets import spec_of
from domain.errors import FieldError
from domain.identity.directory import users_by_id
from domain.outbound.http import destination_problem, json_body, send_signed
from domain.outbound.mail import send_mail
from domain.outbound.robots import PROVIDERS, post_text
from domain.outbound.signing import new_secret
from domain.records.global_ids import global_id, with_global_ids

EMAIL_TO = ("owner", "owner_manager", "actor", "users", "addresses", "record")
METHODS = ("POST", "PUT", "PATCH")
MAX_RECIPIENTS = 50


class DeliveryFailed(RuntimeError):
    pass


def check_send_email(action: dict[str, Any], where: str, errors: list[FieldError]) -> None:
    choices = (*EMAIL_TO, *plugged_recipients())
    if action.get("to") not in choices:
        errors.append(FieldError(f"{where}.to", "INVALID_CHOICE", f"one of {', '.join(choices)}"))
    if not str(action.get("subject") or "").strip():
        errors.append(FieldError(f"{where}.subject", "REQUIRED", "an email needs a subject"))
    if action.get("to") == "addresses":
        addresses = action.get("addresses")
        if not isinstance(addresses, list) or not 1 <= len(addresses) <= MAX_RECIPIENTS:
            errors.append(
                FieldError(
                    f"{where}.addresses", "REQUIRED", f"1 to {MAX_RECIPIENTS} email addresses"
                )
            )
            return
        for n, address in enumerate(addresses):
            try:
                validate_email(str(address), check_deliverability=False)
            except EmailNotValidError:
                errors.append(
                    FieldError(f"{where}.addresses.{n}", "INVALID_EMAIL", "an email address")
                )
    if action.get("to") == "record" and not isinstance(action.get("field"), str):
        errors.append(
            FieldError(
                f"{where}.field", "REQUIRED", "the record's field holding the address (e.g. email)"
            )
        )


def check_call_http(action: dict[str, Any], where: str, errors: list[FieldError]) -> None:
    if action.get("method", "POST") not in METHODS:
        errors.append(
            FieldError(f"{where}.method", "INVALID_CHOICE", f"one of {', '.join(METHODS)}")
        )
    if "secret" in action and (not isinstance(action["secret"], str) or len(action["secret"]) < 16):
        errors.append(
            FieldError(
                f"{where}.secret",
                "INVALID_VALUE",
                "at least 16 characters (or leave it out for a new one)",
            )
        )


def check_post_message(action: dict[str, Any], where: str, errors: list[FieldError]) -> None:
    if action.get("provider") not in PROVIDERS:
        errors.append(FieldError(f"{where}.provider", "INVALID_CHOICE", " or ".join(PROVIDERS)))
    if not str(action.get("text") or "").strip():
        errors.append(
            FieldError(f"{where}.text", "REQUIRED", "the message, with {{field}} placeholders")
        )


async def check_destinations(actions: Any, errors: list[FieldError]) -> None:
    """Field errors for the URLs rules call (call_http, post_message, a notify's channel): each must
    be an http(s) URL the server may reach, so a private address is refused now, not at each run."""
    for index, action in enumerate(actions if isinstance(actions, list) else []):
        if not isinstance(action, dict):
            continue
        if action.get("type") == "notify" and action.get("channel") is not None:
            channel = action["channel"] if isinstance(action["channel"], dict) else {}
            where, url = "channel.url", channel.get("url")
        elif action.get("type") in ("call_http", "post_message"):
            where, url = "url", action.get("url")
        else:
            continue
        problem = await destination_problem(str(url or ""))
        if problem:
            errors.append(FieldError(f"actions.{index}.{where}", *problem))


def with_secrets(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """HTTP calls without a signing secret get a new `whsec_` one (shown in the rule's actions)."""
    return [
        {**a, "secret": new_secret()} if a.get("type") == "call_http" and not a.get("secret") else a
        for a in actions
    ]


async def send_email(ctx: Context, action: dict[str, Any]) -> str:
    to = await _addresses(ctx, action)
    if not to:
        raise NoRecipients(
            f"nobody to email: no address {'in ' + action['field'] if action['to'] == 'record' else 'for them'}"
        )
    subject = render(str(action["subject"]), ctx.values)[:300]
    body = render(str(action.get("body") or ""), ctx.values)[:20_000]
    if ctx.dry_run:
        return f"would email {', '.join(to)}: {subject}"
    await send_mail(to, subject, body, message_id=str(ctx.effect_key))
    return f"emailed {', '.join(to)}"


async def call_http(ctx: Context, action: dict[str, Any]) -> str:
    method = action.get("method", "POST")
    if ctx.dry_run:
        return f"would call {method} {action['url']}"
    body = json_body(
        {
            "type": f"automation.{ctx.record_type}",
            "timestamp": int(time.time()),
            # Ids are the API's global ids; `rawRecordId` is the record's UUID, for partners.
            "data": {
                "ruleId": global_id("AutomationRule", ctx.rule_id),
                "eventId": str(ctx.event_id),
                "recordType": ctx.record_type,
                "recordId": global_id(ctx.record_type, ctx.record_id),
                "rawRecordId": str(ctx.record_id),
                "record": with_global_ids(await spec_of(ctx.record_type), ctx.values),
            },
        }
    )
    response = await send_signed(
        action["url"],
        body,
        secrets=[action["secret"]],
        message_id=str(ctx.effect_key),
        method=method,
    )
    if not response.ok:
        raise DeliveryFailed(
            f"{method} {action['url']} answered {response.status} in {response.ms} ms: {response.body[:200]}"
        )
    return f"{method} {action['url']}: {response.status} in {response.ms} ms"


async def post_message(ctx: Context, action: dict[str, Any]) -> str:
    """A text message to a WeCom or DingTalk group robot."""
    text = render(str(action["text"]), ctx.values)
    if ctx.dry_run:
        return f"would post to the {action['provider']} group: {text[:100]}"
    return await post_text(
        action["provider"],
        action["url"],
        text,
        secret=action.get("secret"),
        mention_all=bool(action.get("mentionAll")),
    )


async def _addresses(ctx: Context, action: dict[str, Any]) -> list[str]:
    to = action["to"]
    if to == "addresses":
        return [str(a) for a in action["addresses"]]
    if to == "record":
        value = ctx.values.get(action["field"])
        found = value if isinstance(value, list) else [value] if value else []
        return [str(a) for a in found[:MAX_RECIPIENTS]]
    return sorted(
        user["email"] for user in (await users_by_id(await recipients(ctx, action))).values()
    )
