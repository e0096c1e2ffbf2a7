"""Group chat robots (WeCom / DingTalk style): a POST of {"msgtype": "text", ...} to the group's
webhook URL. DingTalk robots with a signing secret also get `timestamp` (ms) and
`sign` = base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")) in the query string. Both answer
{"errcode": 0, ...} on success; anything else is a failure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote_plus

from domain.outbound.guard import guarded_client

PROVIDERS = ("wecom", "dingtalk")
MAX_TEXT = 2000


class RobotRefused(RuntimeError):
    pass


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode())


async def post_text(
    provider: str, url: str, text: str, *, secret: str | None = None, mention_all: bool = False
) -> str:
    """Post `text` to the group; a short description of the answer, or RobotRefused."""
    body: dict[str, Any] = {"msgtype": "text", "text": {"content": text[:MAX_TEXT]}}
    if provider == "dingtalk":
        if mention_all:
            body["at"] = {"isAtAll": True}
        if secret:
            stamp = int(time.time() * 1000)
            url = f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={dingtalk_sign(secret, stamp)}"
    elif mention_all:
        body["text"]["mentioned_list"] = ["@all"]
    async with guarded_client(follow_redirects=False) as client:
        response = await client.post(url, json=body)
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code != 200 or answer.get("errcode") != 0:
        raise RobotRefused(
            f"{provider} robot answered {response.status_code}: {response.text[:200]}"
        )
    return f"posted to the {provider} group"
