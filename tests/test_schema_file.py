"""schema.graphql is the contract frontends build against: it must equal what the code serves."""

from __future__ import annotations

from pathlib import Path

from api.schema import schema

ROOT = Path(__file__).resolve().parent.parent


def test_schema_file_equals_the_exported_schema():
    exported = schema.as_str().strip()
    on_disk = (ROOT / "schema.graphql").read_text().strip()
    assert on_disk == exported, "schema.graphql is stale: run `make schema`"
