"""Turning what a person types into a full-text query on `search_vector`: Latin (and other spaced)
words match word beginnings; runs of Chinese, Japanese or Korean characters match anywhere inside
the indexed text, as the phrase of their overlapping character pairs (migration 0015 indexes such
runs as those pairs, since the scripts put no spaces between words)."""

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
# The characters migration 0015's search_words() indexes as pairs; the capturing group makes
# split() return the runs at the odd positions.
_CJK_RUN = re.compile(
    "([\u3005-\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0002fa1f]+)"
)


def _quoted(word: str) -> str:
    # Quoting keeps @ . + literal; quotes are not part of any word.
    return "'" + word.replace("'", "") + "'"


def _term_query(term: str) -> str | None:
    """One typed word as tsquery text: every piece of it must match, so "iPhone手机" needs both
    a word beginning with "iphone" and the run "手机"."""
    parts = []
    for position, piece in enumerate(_CJK_RUN.split(term)):
        if position % 2:
            if len(piece) == 1:
                parts.append(
                    _quoted(piece) + ":*"
                )  # the first character of a pair, or a run's last
            else:
                pairs = [_quoted(piece[i : i + 2]) for i in range(len(piece) - 1)]
                parts.append("(" + " <-> ".join(pairs) + ")")
        elif piece.strip(".-"):
            parts.append(_quoted(piece.strip(".-")) + ":*")
    return " & ".join(parts) or None


def search_sql(
    spec: RecordSpec, text: str, params: Params, alias: str = "t", leave_out: Sequence[str] = ()
) -> str:
    """The condition that the record matches every word of `text` (as word beginnings); with
    `leave_out`, keys of `spec.search_values` (fields hidden from the caller) that must not match."""
    if not spec.searchable:
        raise InvalidInput.single(
            "search", "NOT_SEARCHABLE", f"{spec.record_type} records cannot be searched"
        )
    if len(text) > MAX_LENGTH:
        raise InvalidInput.single(
            "search", "TOO_LONG", f"search is at most {MAX_LENGTH} characters"
        )
    terms = [query for query in map(_term_query, _TERM.findall(text.lower())) if query][:MAX_TERMS]
    if not terms:
        raise InvalidInput.single("search", "EMPTY", "search needs at least one word")
    query = params.add(" & ".join(terms))
    matches = f"{alias}.search_vector @@ to_tsquery('simple', {query})"
    if not leave_out or spec.search_values is None:
        return matches
    # The index finds the candidates; each is matched again without the hidden values, the same
    # way the stored vector is generated (migration 0015), so a search cannot probe them.
    column = f"{alias}.{spec.search_values}"
    return (
        f"{matches} AND to_tsvector('simple', search_words(search_strings({column} - {params.add(list(leave_out))}::text[]))) "
        f"@@ to_tsquery('simple', {query})"
    )
