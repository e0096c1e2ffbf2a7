"""Every GraphQL example in README.md and docs/*.md is EXECUTED, not only validated: each page
against a tenant of its own (made by the real CLI and seeded through the API with one of each
record the examples name), as its admin, and every operation must answer without errors. Blocks
of a page run in the page's order, so an example may use what an earlier one on the page made (an
object, then its fields, then its records); pages never share state, and no other test's tenant
is touched.

The convention for writers of examples:
- ids are written as a global id cut short with "...": `"Q3VzdG9tZXI6..."` (`Customer:`), or just
  its first characters (`"T3Bw..."`, `Opp`). The test replaces each with the id of a real record
  of that type in the tenant: the one a mutation earlier on the page answered last, else the
  newest one, so examples stay short and readable. `"U3RhZ2U6...#2"` names a second, different
  one (another stage, the record merged into a survivor);
- `"<password>"` is the tenant admin's password, `"<api key>"` a made-up secret; the tenant is
  written `"acme"` and its admin `admin@acme.test`; `"<invitation token>"` and `"<reset token>"`
  are the tokens of real links, mailed (to the test's mail catcher) just before;
- a `User` id names another member than the caller (a manager of the caller's team), so
  examples that give or hand something to someone work;
- an operation with variables takes them from a ```json block right after its ```graphql block
  (with the same placeholders inside);
- a job an example starts is run before the next example, as a worker would;
- subscriptions are only validated here (tests/api/test_subscriptions.py runs them over WebSocket).
"""

from __future__ import annotations

import base64
import binascii
import email
import itertools
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, OperationType, parse, print_ast
from graphql.language import DocumentNode, FragmentDefinitionNode
from markdown_it import MarkdownIt

from tests.conftest import PASSWORD
from tests.support import cli
from tests.support.graphql import gql, login
from tests.support.jobs import run_queued_jobs

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_numbers = itertools.count(1)
PLACEHOLDER = re.compile(r'"([A-Za-z0-9+/=]{2,})(?:\.\.\.|…)(?:#(\d+))?"')


def blocks(page: Path) -> list[tuple[int, str, dict[str, Any] | None]]:
    """(line, graphql text, variables from the ```json block right after it) of each block."""
    tokens = [t for t in MarkdownIt("commonmark").parse(page.read_text()) if t.type == "fence"]
    found = []
    for index, token in enumerate(tokens):
        if token.info.strip().lower() != "graphql" or not token.map:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        variables = None
        if (
            following is not None
            and following.info.strip().lower() == "json"
            and following.map
            and following.map[0] - token.map[1] <= 2  # right after it, at most a blank line apart
        ):
            variables = json.loads(following.content)
        found.append((token.map[0] + 1, token.content, variables))
    return found


def type_of_placeholder(stub: str) -> str | None:
    """The type a cut-short global id names: "Q3VzdG9tZXI6" -> "Customer"; "T3Bw" -> a prefix."""
    usable = stub[: len(stub) // 4 * 4]
    try:
        decoded = base64.b64decode(usable).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.split(":", 1)[0] if decoded else None


# How to find a real id of each type in the tenant, newest first where a list allows it.
LOOKUPS = {
    "Customer": "{ customers(first: 10, orderBy: [{createdAt: DESC}]) { edges { node { id } } } }",
    "Contact": "{ contacts(first: 10, orderBy: [{createdAt: DESC}]) { edges { node { id } } } }",
    "Lead": "{ leads(first: 10, orderBy: [{createdAt: DESC}]) { edges { node { id } } } }",
    "Opportunity": "{ opportunities(first: 10, orderBy: [{createdAt: DESC}]) { edges { node { id } } } }",
    "Ticket": "{ tickets(first: 10, orderBy: [{createdAt: DESC}]) { edges { node { id } } } }",
    "Activity": "{ activities(first: 10, orderBy: [{createdAt: DESC}]) { edges { node { id } } } }",
    "User": "{ members(role: MANAGER) { edges { node { user { id } } } } }",
    "ApprovalRequest": "{ approvalRequests(first: 1) { id } }",
    "Team": "{ teams(first: 10) { edges { node { id } } } }",
    "Pipeline": "{ pipelines(first: 10) { edges { node { id } } } }",
    "Stage": "{ pipelines(first: 10) { edges { node { stages { id } } } } }",
    "DuplicateRule": "{ duplicateRules { id } }",
    "Job": "{ jobs(first: 10) { edges { node { id } } } }",
    "SavedReport": "{ savedReports { id } }",
}


def all_ids(data: Any) -> list[str]:
    """Every `id` of an answer, depth-first, in order."""
    if isinstance(data, dict):
        own = [data["id"]] if isinstance(data.get("id"), str) else []
        return own + [i for key, value in data.items() if key != "id" for i in all_ids(value)]
    if isinstance(data, list):
        return [i for value in data for i in all_ids(value)]
    return []


class Tenant:
    def __init__(self, client, token: str, slug: str, mailbox: Any) -> None:
        self.client = client
        self.token = token
        self.slug = slug
        self.mailbox = mailbox
        self.made: dict[str, str] = {}  # type -> the id a mutation of the page answered last

    def remember(self, data: Any) -> None:
        """Note the global ids a mutation answered: placeholders prefer what the page just made."""
        if isinstance(data, dict):
            for key, value in data.items():
                if key == "id" and isinstance(value, str):
                    kind = type_of_placeholder(value)
                    if kind:
                        self.made[kind] = value
                else:
                    self.remember(value)
        elif isinstance(data, list):
            for value in data:
                self.remember(value)

    async def id_of(self, type_prefix: str, nth: int = 1) -> str:
        made = [kind for kind in self.made if kind.startswith(type_prefix)]
        if made and nth == 1:
            return self.made[min(made, key=len)]
        names = [name for name in LOOKUPS if name.startswith(type_prefix)]
        assert names, f"no lookup for a placeholder of type {type_prefix!r}"
        name = min(names, key=len)
        found = all_ids((await gql(self.client, LOOKUPS[name], token=self.token)).data)
        if made:  # the page's own comes first, the others after it
            found = [
                self.made[min(made, key=len)],
                *(i for i in found if i != self.made[min(made, key=len)]),
            ]
        assert len(found) >= nth, f"the tenant has no {name} number {nth} for a placeholder"
        return found[nth - 1]

    def newest_link(self) -> str:
        newest = email.message_from_bytes(self.mailbox.messages()[-1])
        body = newest.get_payload(decode=True).decode()
        found = re.search(r"\?token=(\S+)", body)
        assert found, body
        return found.group(1)

    async def invitation(self) -> str:
        invited = await gql(
            self.client,
            "mutation($e: String!) { inviteMember(input: {email: $e, role: AGENT}) { id } }",
            {"e": f"new-{next(_numbers)}@{self.slug}.test"},
            token=self.token,
        )
        assert not invited.errors, invited.errors
        return self.newest_link()

    async def reset_link(self) -> str:
        asked = await gql(
            self.client,
            "mutation($i: RequestPasswordResetInput!) { requestPasswordReset(input: $i) }",
            {"i": {"tenant": self.slug, "email": f"manager@{self.slug}.test"}},
        )
        assert not asked.errors, asked.errors
        return self.newest_link()

    async def substitute(self, text: str) -> str:
        replaced = (
            text.replace('"<password>"', json.dumps(PASSWORD))
            .replace('"<api key>"', '"made-up-secret"')
            .replace('"acme"', json.dumps(self.slug))
            .replace("admin@acme.test", f"admin@{self.slug}.test")
        )
        if '"<invitation token>"' in replaced:
            replaced = replaced.replace('"<invitation token>"', json.dumps(await self.invitation()))
        if '"<reset token>"' in replaced:
            replaced = replaced.replace('"<reset token>"', json.dumps(await self.reset_link()))
        for match in list(PLACEHOLDER.finditer(replaced)):
            kind = type_of_placeholder(match.group(1))
            if kind is None:
                continue
            nth = int(match.group(2) or 1)
            replaced = replaced.replace(match.group(0), json.dumps(await self.id_of(kind, nth)), 1)
        return replaced


@pytest.fixture(scope="module")
def mail(tmp_path_factory):
    """Invitations need mail: a catcher for this module."""
    from domain.outbound.config import configure_outbound, outbound_config
    from tessera.mailcatcher import MailCatcher

    catcher = MailCatcher(tmp_path_factory.mktemp("docs-mail")).start()
    before = outbound_config()
    configure_outbound(replace(before, smtp_url=catcher.url))
    yield catcher
    configure_outbound(before)
    catcher.stop()


SEED = [
    'mutation { createField(input: {object: "Opportunity", apiName: "discount", label: "Discount",'
    " type: PERCENT}) { id } }",
    'mutation { createField(input: {object: "Lead", apiName: "tier", label: "Tier", type: TEXT})'
    " { id } }",
    'mutation { createCustomer(input: {name: "Acme Trading"}) { id } }',
    'mutation { createCustomer(input: {name: "Acme Robotics", tier: "gold"}) { id } }',
    'mutation { createContact(input: {name: "Ada Li", customerId: "Customer..."}) { id } }',
    'mutation { createOpportunity(input: {name: "Robots", customerId: "Customer...",'
    " customFields: {discount: 35}}) { id } }",
    'mutation { createTicket(input: {subject: "Arm stuck", customerId: "Customer..."}) { id } }',
    'mutation { createLead(input: {personName: "Wu Lei"}) { id } }',
    'mutation { logActivity(input: {recordId: "Customer...", kind: "NOTE", subject: "Met"})'
    " { id } }",
    'mutation { exportRecords(input: {object: "Customer", format: CSV}) { id } }',
]
LEADS_CSV = b"Name,Mail,CRM id,Tier,Company code,Owner\nLi Wei,li.wei@example.com,42,gold,C1,\n"


async def seeded_tenant(client, slug: str, mailbox: Any) -> Tenant:
    """A tenant with an admin, a manager who manages the admin's team, and one of each record."""
    for command in (
        (
            "tenant",
            "create",
            slug,
            "--name",
            "Acme",
            "--admin-email",
            f"admin@{slug}.test",
            "--admin-password",
            PASSWORD,
        ),
        (
            "user",
            "add",
            "--tenant",
            slug,
            "--email",
            f"manager@{slug}.test",
            "--password",
            PASSWORD,
            "--role",
            "manager",
        ),
    ):
        cli.ok(await cli.arun(*command))
    token = (await login(client, slug, f"admin@{slug}.test", PASSWORD))["accessToken"]
    tenant = Tenant(client, token, slug, mailbox)
    me = (await gql(client, "{ me { id } }", token=token)).data["me"]["id"]
    team = await gql(
        client,
        "mutation($i: CreateTeamInput!) { createTeam(input: $i) { id } }",
        {"i": {"name": "Sales East", "managerId": await tenant.id_of("User"), "memberIds": [me]}},
        token=token,
    )
    assert not team.errors, team.errors
    for seed in SEED:
        text = await tenant.substitute(seed.replace('"Customer..."', '"Q3VzdG9tZXI6..."'))
        answer = await gql(client, text, token=token)
        assert not answer.errors, (text, answer.errors)
    # Files come over plain HTTP (docs/data.md): one to import, one attached to the customer.
    auth = {"Authorization": f"Bearer {token}"}
    upload = await client.post("/files/imports?filename=leads.csv", content=LEADS_CSV, headers=auth)
    assert upload.status_code == 201, upload.text
    customer = await tenant.id_of("Customer")
    attached = await client.post(
        f"/files/attachments/{customer}?filename=notes.txt", content=b"notes", headers=auth
    )
    assert attached.status_code == 201, attached.text
    tenant.made.update(ImportFile=upload.json()["id"], Attachment=attached.json()["id"])
    return tenant


def operations(text: str) -> list[tuple[OperationDefinitionNode, str]]:
    document = parse(text)
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    return [
        (d, print_ast(DocumentNode(definitions=(d, *fragments))))
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
async def test_every_example_of_the_page_runs(client, mail, page):
    acme = await seeded_tenant(client, f"docs-{next(_numbers)}", mail)
    failures = []
    for line, text, variables in blocks(page):
        for operation, written in operations(text):
            if operation.operation is OperationType.SUBSCRIPTION:
                continue
            alone = await acme.substitute(written)
            given = json.loads(await acme.substitute(json.dumps(variables))) if variables else None
            answer = await gql(client, alone, given, token=acme.token)
            if answer.errors:
                failures.append(f"{page.name}:{line}: {answer.errors}")
            elif operation.operation is OperationType.MUTATION:
                acme.remember(answer.data)
                if any(type_of_placeholder(i) == "Job" for i in all_ids(answer.data)):
                    await run_queued_jobs()  # as the worker would: the next example reads it done
    assert not failures, "\n".join(failures)


def test_placeholders_name_their_types():
    assert type_of_placeholder("Q3VzdG9tZXI6") == "Customer"
    assert type_of_placeholder("T3Bw") == "Opp"
    assert PLACEHOLDER.findall('{id: "Q3VzdG9tZXI6...", x: "plain", y: "T3Bw...#2"}') == [
        ("Q3VzdG9tZXI6", ""),
        ("T3Bw", "2"),
    ]
