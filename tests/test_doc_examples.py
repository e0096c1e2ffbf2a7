"""The GraphQL examples in README.md and docs/*.md are what people copy first: every ```graphql
block must parse and validate against the schema the code serves, so an example cannot silently
rot when a field is renamed.

Rule for placeholders: examples write ids as shortened strings ("Q3VzdG9tZXI6...") and secrets as
"<api key>"; both are string literals, which validation accepts wherever an ID or String goes, so
they need no special handling. A block may hold several operations (anonymous ones included):
each is validated on its own, with the block's fragments."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    validate,
)
from markdown_it import MarkdownIt

from api.schema import schema

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def graphql_blocks(page: Path) -> list[tuple[int, str]]:
    """(line number, text) of each fenced block tagged `graphql` on the page."""
    tokens = MarkdownIt("commonmark").parse(page.read_text())
    return [
        (token.map[0] + 1, token.content)
        for token in tokens
        if token.type == "fence" and token.info.strip().lower() == "graphql" and token.map
    ]


EXAMPLES = [
    pytest.param(text, id=f"{page.relative_to(ROOT)}:{line}")
    for page in PAGES
    for line, text in graphql_blocks(page)
]


def problems(text: str) -> list[str]:
    try:
        document = parse(text)
    except GraphQLError as error:
        return [f"does not parse: {error.message}"]
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    found = []
    for operation in operations:
        alone = DocumentNode(definitions=(operation, *fragments))
        # strawberry keeps the graphql-core schema, with the real scalars, in `_schema`.
        found += [error.message for error in validate(schema._schema, alone)]
    return found


def test_the_docs_have_graphql_examples():
    # A guard for the extraction itself: if it found nothing, every example test would pass vacuously.
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("text", EXAMPLES)
def test_graphql_example_is_valid_against_the_schema(text: str):
    assert problems(text) == []


def test_a_broken_example_is_reported():
    assert problems(
        'mutation { createApiToken(input: {name: "x", scopes: []}) { secret token { id } } }'
    )
    assert problems("query { customers { edges { node { nme } } } }")
    assert problems("query { customers(") != []
