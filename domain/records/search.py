"""Turning what a person types into a prefix-matching full-text query on `search_vector`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from domain.errors import InvalidInput
from domain.records.spec import RecordSpec
from domain.records.sql import Params

MAX_TERMS = 8
MAX_LENGTH = 200
# Keep letters (any script), digits and the characters emails and phone numbers are made of.
_TERM = re.compile(r"[\w@.+-]+", re.UNICODE)


def search_sql(spec: RecordSpec, text: str, params: Params, alias: str = "t", leave_out: Sequence[str] = ()) -> str:
    """The condition that the record matches every word of `text` (as word beginnings); with
    `leave_out`, keys of `spec.search_values` (fields hidden from the caller) that must not match."""
    if not spec.searchable:
        raise InvalidInput.single("search", "NOT_SEARCHABLE", f"{spec.record_type} records cannot be searched")
    if len(text) > MAX_LENGTH:
        raise InvalidInput.single("search", "TOO_LONG", f"search is at most {MAX_LENGTH} characters")
    terms = [term.strip(".-") for term in _TERM.findall(text.lower())]
    terms = [term for term in terms if term][:MAX_TERMS]
    if not terms:
        raise InvalidInput.single("search", "EMPTY", "search needs at least one word")
    # Every term must match the beginning of a word; quoting keeps @ . + literal.
    query = params.add(" & ".join("'" + term.replace("'", "") + "':*" for term in terms))
    matches = f"{alias}.search_vector @@ to_tsquery('simple', {query})"
    if not leave_out or spec.search_values is None:
        return matches
    # The index finds the candidates; each is matched again without the hidden values, the same
    # way the stored vector is generated (migration 0007), so a search cannot probe them.
    column = f"{alias}.{spec.search_values}"
    return (f"{matches} AND jsonb_to_tsvector('simple', {column} - {params.add(list(leave_out))}::text[], '[\"string\"]') "
            f"@@ to_tsquery('simple', {query})")
