"""`node(id:)` with a well-formed global id whose inner id is not a UUID, for every Node type of
the schema (walked, so new types are covered): null, and never INTERNAL."""

from __future__ import annotations

import base64

from graphql import GraphQLObjectType

from tests.support.graphql import api_schema, gql


def _node_types() -> list[str]:
    schema = api_schema()
    return sorted(
        t.name
        for t in schema.type_map.values()
        if isinstance(t, GraphQLObjectType) and any(i.name == "Node" for i in t.interfaces)
    )


async def test_a_malformed_inner_id_of_every_node_type_is_no_node(client, as_alpha):
    types = _node_types()
    assert len(types) >= 15
    answers = {}
    for name in types:
        for inner in ("nope", "", "00000000-0000-0000-0000-00000000000g"):
            global_id = base64.b64encode(f"{name}:{inner}".encode()).decode()
            response = await gql(
                client,
                "query($id: ID!) { node(id: $id) { id } }",
                {"id": global_id},
                token=as_alpha["admin"],
            )
            answers[(name, inner)] = (response.data or {}).get("node"), response.codes
    assert {k: v for k, v in answers.items() if v[0] is not None or "INTERNAL" in v[1]} == {}
