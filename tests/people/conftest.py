"""People tests work in tenants of their own ("crew", "crew-rival"), so inviting, demoting and
deactivating never touches the members other tests count on in alpha and beta."""

from __future__ import annotations

import asyncio
import email
import re
from dataclasses import replace

import pytest

from tests.conftest import PASSWORD
from tests.support import cli
from tests.support.graphql import login

CREW_TENANTS = ("crew", "crew-rival")


@pytest.fixture(scope="session")
async def crews(client, tenants) -> dict[str, str]:
    """Access tokens of the first admin of crew and crew-rival (tenants made by the real CLI)."""
    results = await asyncio.gather(
        *[
            cli.arun(
                "tenant",
                "create",
                slug,
                "--name",
                slug.title(),
                "--admin-email",
                f"admin@{slug}.test",
                "--admin-password",
                PASSWORD,
            )
            for slug in CREW_TENANTS
        ]
    )
    for result in results:
        cli.ok(result)
    return {
        slug: (await login(client, slug, f"admin@{slug}.test", PASSWORD))["accessToken"]
        for slug in CREW_TENANTS
    }


class Mailbox:
    def __init__(self, catcher) -> None:
        self.catcher = catcher

    def messages(self) -> list[email.message.Message]:
        return [email.message_from_bytes(raw) for raw in self.catcher.messages()]

    def link_to(self, address: str) -> str:
        """The token of the newest link mailed to `address`."""
        found = [m for m in self.messages() if m["To"] == address]
        assert found, f"no mail to {address}"
        body = found[-1].get_payload(decode=True).decode()
        match = re.search(r"\?token=(\S+)", body)
        assert match, body
        return match.group(1)


@pytest.fixture
def mailbox(tmp_path):
    """A mail catcher this process's outgoing email goes to for one test."""
    from domain.outbound.config import configure_outbound, outbound_config
    from tessera.mailcatcher import MailCatcher

    catcher = MailCatcher(tmp_path).start()
    before = outbound_config()
    configure_outbound(replace(before, smtp_url=catcher.url))
    yield Mailbox(catcher)
    configure_outbound(before)
    catcher.stop()
