"""Fuzzing: queries and mutations generated from the schema with arbitrary arguments (hypothesis-
graphql), sent through /graphql as a signed-in admin, never answer INTERNAL or HTTP 5xx.

Bounded and deterministic: a few operations per root field (TESSERA_FUZZ_PER_FIELD, 3: about 400)
from a derandomized generator, in a tenant of its own (generated mutations change and delete
things, log out...). Ids are drawn from that tenant's seeded records or are arbitrary text; no
webhook endpoint, sync connection or enabled rule is seeded, so nothing is sent anywhere."""

from __future__ import annotations

import json
import os

import pytest
from graphql import NameNode, ObjectFieldNode, ValueNode
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema, nodes

from tests.support import cli
from tests.support.graphql import api_schema, gql, login

PER_FIELD = int(os.environ.get("TESSERA_FUZZ_PER_FIELD", "3"))
PASSWORD = "fuzz-password-long-enough"

_TEXT = st.text(st.characters(codec="utf-8", max_codepoint=0xFFFF), max_size=12)
# Texts that broke things before: NUL, a LIKE pattern's lone escape, numbers and codes out of range.
_EDGE_TEXT = st.sampled_from(
    [
        "a\x00b",
        "\\",
        "x%\\",
        "",
        " ",
        "ZZZ",
        "1e999999",
        "NaN",
        "-1",
        "x" * 300,
        "http://0177.0.0.1/",
        "$.a[0]",
        "{}",
        "null",
    ]
)
_STRING = st.one_of(_EDGE_TEXT, _TEXT)
_NUMBER_TEXT = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        ["1e999999", "-1e-999999", "NaN", "Infinity", "0.000000000000000000001", "1" * 40, ""]
    ),
    _STRING,
)
_DATE_TEXT = st.one_of(
    st.dates().map(str), st.datetimes().map(lambda d: d.isoformat() + "Z"), _STRING
)
_JSON_LEAF = st.one_of(
    st.none().map(lambda _: nodes.Null),
    st.booleans().map(nodes.Boolean),
    st.integers(min_value=-(2**40), max_value=2**40).map(nodes.Int),
    st.sampled_from(["1e999999", "-0.5", "3.14"]).map(nodes.Float),
    _STRING.map(nodes.String),
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(nodes.List),
        # Keys of a literal object are GraphQL names.
        st.dictionaries(
            st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,8}", fullmatch=True), inner, max_size=3
        ).map(
            lambda d: nodes.Object(
                [ObjectFieldNode(name=NameNode(value=key), value=value) for key, value in d.items()]
            )
        ),
    ),
    max_leaves=8,
)
CUSTOM_SCALARS = {
    "String": _STRING.map(nodes.String),
    "JSON": _JSON,
    "Decimal": _NUMBER_TEXT.map(nodes.String),
    "DateTime": _DATE_TEXT.map(nodes.String),
    "Date": _DATE_TEXT.map(nodes.String),
}


def root_fields() -> list[str]:
    return sorted({*api_schema().query_type.fields, *api_schema().mutation_type.fields})


def generated_operations(field: str, count: int, ids: st.SearchStrategy[ValueNode]) -> list[str]:
    """`count` operations on one root field (a query or a mutation); the same ones on every run."""
    found: list[str] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(api_schema(), fields=[field], custom_scalars={**CUSTOM_SCALARS, "ID": ids}))
    def collect(document: str) -> None:
        found.append(document)

    collect()
    return found


# One object of each kind in the fuzz tenant: generated ids are drawn from these (and from
# arbitrary text), so generated updates, deletes and lookups reach past the id check.
SEEDS = [
    ("createCustomer", "CreateCustomerInput", {"name": "Fuzz Ltd"}),
    ("createContact", "CreateContactInput", {"name": "Fuzz Person"}),
    ("createLead", "CreateLeadInput", {"personName": "Fuzz Lead"}),
    ("createOpportunity", "CreateOpportunityInput", {"name": "Fuzz Deal"}),
    ("createTicket", "CreateTicketInput", {"subject": "Fuzz ticket"}),
    ("createTeam", "CreateTeamInput", {"name": "Fuzz team"}),
    ("createCampaign", "CreateCampaignInput", {"name": "Fuzz campaign", "channel": "EMAIL"}),
    (
        "createPipeline",
        "CreatePipelineInput",
        {
            "name": "Fuzz pipeline",
            "stages": [
                {"name": "Open", "probability": 10, "kind": "OPEN"},
                {"name": "Won", "probability": 100, "kind": "WON"},
            ],
        },
    ),
    (
        "createObject",
        "CreateObjectInput",
        {"apiName": "fuzz_thing", "label": "Thing", "pluralLabel": "Things"},
    ),
    (
        "createField",
        "CreateFieldInput",
        {"object": "fuzz_thing", "apiName": "size", "label": "Size", "type": "INTEGER"},
    ),
    ("createRecord", "CreateRecordInput", {"object": "fuzz_thing", "values": {"size": 3}}),
    (
        "createAutomationRule",
        "CreateAutomationRuleInput",
        {
            "name": "Fuzz rule",
            "object": "Lead",
            "trigger": {"on": "created"},
            "actions": [{"type": "add_tags", "names": ["fuzz"]}],
            "enabled": False,
        },
    ),
]


@pytest.fixture(scope="module")
async def fuzz_ids(client) -> list[str]:
    """A tenant of the fuzz's own, seeded: the global ids of its objects and its admin."""
    cli.ok(
        await cli.arun(
            "tenant",
            "create",
            "fuzz",
            "--name",
            "Fuzz",
            "--admin-email",
            "admin@fuzz.test",
            "--admin-password",
            PASSWORD,
        )
    )
    token = await _token(client)
    ids = [(await gql(client, "{ me { id } }", token=token)).data["me"]["id"]]
    for mutation, input_type, values in SEEDS:
        selection = (
            "apiName" if mutation == "createObject" else "id"
        )  # objects are named, not numbered
        created = await gql(
            client,
            f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ {selection} }} }}",
            {"i": values},
            token=token,
        )
        ids += [created.data[mutation]["id"]] if selection == "id" else []
    return ids


async def _token(client) -> str:
    return (await login(client, "fuzz", "admin@fuzz.test", PASSWORD))["accessToken"]


def _last(field: str) -> bool:
    """Operations that take the seeded objects (or the session) away run after the others."""
    return field.startswith(("delete", "purge", "logout", "revoke"))


async def test_generated_operations_never_fail_internally(client, fuzz_ids):
    ids = st.one_of(st.sampled_from(fuzz_ids), _STRING).map(nodes.String)
    fields = sorted(root_fields(), key=lambda field: (_last(field), field))
    operations = [
        document for field in fields for document in generated_operations(field, PER_FIELD, ids)
    ]
    token = await _token(client)
    failures = []
    for document in operations:
        response = await client.post(
            "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {token}"}
        )
        body = response.json()
        codes = [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
        # UNAVAILABLE (503) is a deliberate answer, not a failure: the test server has no SMTP_URL,
        # so the mutations that send links by email (invitations, password reset) refuse at once.
        deliberate = response.status_code == 503 and codes == ["UNAVAILABLE"]
        if (response.status_code >= 500 and not deliberate) or "INTERNAL" in codes:
            failures.append(f"{response.status_code} {document}\n  -> {json.dumps(body)[:300]}")
        if "UNAUTHENTICATED" in codes:  # a generated logout ended the session: sign in again
            token = await _token(client)
    assert not failures, f"{len(failures)} of {len(operations)} operations failed:\n" + "\n".join(
        failures[:30]
    )
