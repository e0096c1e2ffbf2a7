"""Admins' patterns on text fields run on a linear-time engine (RE2): a catastrophic pattern cannot
stall the API process, and patterns that only a backtracking engine can run are refused when saved."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess

import httpx

from tests.support.cli import TESSERA
from tests.support.custom import CREATE_FIELD, create_record, field_codes, make_object
from tests.support.graphql import gql
from tests.support.server import free_port, wait_until_ready

# Generous: a linear-time check of 10,000 characters takes microseconds, a backtracking one ages.
REQUEST_LIMIT_SECONDS = 60


async def test_a_catastrophic_pattern_checks_a_long_value_without_stalling_the_process(
    client, as_alpha
):
    # Given a long text field whose pattern makes a backtracking engine take 2^n steps on n characters
    admin = as_alpha["admin"]
    name = await make_object(
        client, admin, [dict(apiName="code", type="LONG_TEXT", validation={"pattern": "(a+)+$"})]
    )
    # ...and an API process of its own, so that a stall would not stop the test
    port = free_port()
    proc = subprocess.Popen(
        [*TESSERA, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        await asyncio.to_thread(wait_until_ready, f"http://127.0.0.1:{port}", proc)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=REQUEST_LIMIT_SECONDS
        ) as api:
            # When a member sends a 10,000-character value that almost matches
            refused = await create_record(
                api, as_alpha["member"], name, {"code": "a" * 9_999 + "b"}
            )
            # Then it is refused as a bad value, and the process goes on answering
            assert field_codes(refused) == {"values.code": "INVALID_FORMAT"}
            accepted = await create_record(api, as_alpha["member"], name, {"code": "a" * 10_000})
            assert accepted.data["createRecord"]["values"] == {"code": "a" * 10_000}
            assert (await api.get("/healthz")).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


async def test_patterns_only_a_backtracking_engine_can_run_are_refused_when_saved(client, as_alpha):
    # Given an object
    admin = as_alpha["admin"]
    name = await make_object(client, admin)
    # When an admin saves patterns with backreferences, lookaround or a huge repetition
    for pattern in (r"(a)\1", r"(?=a)a", r"(?<!x)y", "a{1000}{1000}", "x" * 201):
        response = await gql(
            client,
            CREATE_FIELD,
            {
                "input": {
                    "object": name,
                    "apiName": "code",
                    "label": "Code",
                    "type": "TEXT",
                    "validation": {"pattern": pattern},
                }
            },
            token=admin,
        )
        # Then each is refused with a field error naming the rule
        assert field_codes(response) == {"validation.pattern": "INVALID_PATTERN"}, pattern
    # ...while ordinary patterns, including non-ASCII classes, are kept and enforced
    response = await gql(
        client,
        CREATE_FIELD,
        {
            "input": {
                "object": name,
                "apiName": "code",
                "label": "Code",
                "type": "TEXT",
                "validation": {"pattern": r"\p{Han}{2,}-\d{3}"},
            }
        },
        token=admin,
    )
    assert response.data["createField"]["validation"] == {"pattern": r"\p{Han}{2,}-\d{3}"}
    assert (await create_record(client, admin, name, {"code": "上海-001"})).data["createRecord"][
        "values"
    ] == {"code": "上海-001"}
    assert field_codes(await create_record(client, admin, name, {"code": "SH-001"})) == {
        "values.code": "INVALID_FORMAT"
    }
