"""Helpers of the duplicate tests: rules made and removed through the API."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

from tests.support.graphql import gql

RULE_FIELDS = "id object name action conditions active version"
CREATE_RULE = f"mutation($input: CreateDuplicateRuleInput!) {{ createDuplicateRule(input: $input) {{ {RULE_FIELDS} }} }}"
DELETE_RULE = "mutation($id: ID!) { deleteDuplicateRule(input: {id: $id}) { id } }"
CREATE_CUSTOMER = (
    "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) "
    "{ id name likelyDuplicates { recordId ruleName action score } } }"
)


def domain_name() -> str:
    return f"d{uuid.uuid4().hex[:10]}.example.com"


@contextlib.asynccontextmanager
async def rule(client, token: str, **input: Any) -> AsyncIterator[dict[str, Any]]:
    """A rule for the length of a test: other tests share the tenant, so a BLOCK rule must not
    outlive the test that made it."""
    created = (await gql(client, CREATE_RULE, {"input": input}, token=token)).data[
        "createDuplicateRule"
    ]
    try:
        yield created
    finally:
        assert (await gql(client, DELETE_RULE, {"id": created["id"]}, token=token)).data


async def create_customer(client, token: str, **input: Any):
    input.setdefault("name", f"Customer {uuid.uuid4().hex[:8]}")
    return await gql(client, CREATE_CUSTOMER, {"input": input}, token=token)
