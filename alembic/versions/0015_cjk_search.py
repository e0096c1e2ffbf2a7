"""Text search finds words inside Chinese, Japanese and Korean text, covers opportunities and
tickets, and is served by its GIN indexes under row-level security.

These scripts write words without spaces, so PostgreSQL's parser sees "上海支道科技有限公司" as one
word and only its beginning could be found. Without a dictionary (and without contrib extensions
such as pg_trgm, which the embedded server lacks) the dependable way is the one search engines use
for CJK: index every run of such characters as its overlapping pairs of characters (上海 海支 支道
道科 ...) followed by its last character, and search for a typed run as the phrase of its pairs
(`domain/records/search.py`). The last character keeps the pairs of neighbouring runs from lining
up as a phrase across the gap, and lets a single typed character be found. Other text is indexed
as before. The search vectors are generated columns, so re-creating them fills them for every
existing row (rewriting each table once, under its lock).

`@@` (ts_match_vq) is not marked LEAKPROOF, so under row-level security PostgreSQL checked it row
by row after the tenant policy and never used the search indexes. It cannot fail on any stored
vector and reveals nothing but its result; like jsonb_extract_path_text in 0007, it is marked
LEAKPROOF when the migrating role is a superuser (docs/operations.md).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

import logging

from alembic import op
from sqlalchemy import text

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Han (with its compatibility and supplementary planes, and 々〆〇), kana and Hangul syllables;
# domain/records/search.py splits what people type by the same characters.
CJK = r"\u3005-\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"

SEARCH_WORDS = rf"""
    CREATE FUNCTION search_words(body text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
        piece text[];
        words text[] := '{{}}';
    BEGIN
        IF body !~ '[{CJK}]' THEN
            RETURN body;
        END IF;
        FOR piece IN SELECT regexp_matches(body, '([{CJK}]+)|([^{CJK}]+)', 'g') LOOP
            IF piece[1] IS NULL THEN
                words := words || piece[2];
            ELSE
                FOR i IN 1 .. length(piece[1]) - 1 LOOP
                    words := words || substr(piece[1], i, 2);
                END LOOP;
                words := words || right(piece[1], 1);
            END IF;
        END LOOP;
        RETURN array_to_string(words, ' ');
    END $$"""

# Every string value of a custom record, anywhere in its data (what jsonb_to_tsvector(..., '["string"]') read).
SEARCH_STRINGS = """
    CREATE FUNCTION search_strings(data jsonb) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(string_agg(value #>> '{}', ' '), '')
        FROM jsonb_path_query(data, 'strict $.**') AS value WHERE jsonb_typeof(value) = 'string'
    $$"""

# The searchable text of each table (0004's, plus opportunities and tickets).
SEARCHED = {
    "customer": "coalesce(name, '') || ' ' || coalesce(domain, '') || ' ' || coalesce(website, '')",
    "contact": (
        "coalesce(name, '') || ' ' || coalesce(title, '') || ' ' || search_join(emails) || ' ' || "
        "search_join(phones) || ' ' || replace(search_join(phones), '+', '')"
    ),
    "lead": (
        "coalesce(person_name, '') || ' ' || coalesce(company_name, '') || ' ' || coalesce(email, '') || ' ' || "
        "coalesce(phone, '') || ' ' || replace(coalesce(phone, ''), '+', '')"
    ),
    "opportunity": "name",
    "ticket": "subject || ' ' || coalesce(description, '')",
    "custom_record": "search_strings(data)",
}
NEW_TABLES = ("opportunity", "ticket")
BEFORE = {
    table: f"to_tsvector('simple', {body})"
    for table, body in SEARCHED.items()
    if table not in NEW_TABLES
}
BEFORE["custom_record"] = "jsonb_to_tsvector('simple', data, '[\"string\"]')"

LEAKPROOF_FUNCTION = "ts_match_vq(tsvector, tsquery)"


def _superuser() -> bool:
    return bool(
        op.get_bind()
        .execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        .scalar()
    )


def _search_column(table: str, expression: str) -> None:
    op.execute(f"DROP INDEX IF EXISTS {table}_search_idx")
    op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    op.execute(
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.execute(f"CREATE INDEX {table}_search_idx ON {table} USING gin (search_vector)")


def upgrade() -> None:
    op.execute(SEARCH_WORDS)
    op.execute(SEARCH_STRINGS)
    for table, body in SEARCHED.items():
        _search_column(table, f"to_tsvector('simple', search_words({body}))")
    if _superuser():
        op.execute(f"ALTER FUNCTION {LEAKPROOF_FUNCTION} LEAKPROOF")
    else:
        logging.getLogger("alembic").warning(
            "not a superuser: %s stays non-leakproof; text search will not use its "
            "indexes under row-level security",
            LEAKPROOF_FUNCTION,
        )


def downgrade() -> None:
    if _superuser():
        op.execute(f"ALTER FUNCTION {LEAKPROOF_FUNCTION} NOT LEAKPROOF")
    for table in NEW_TABLES:
        op.execute(f"DROP INDEX IF EXISTS {table}_search_idx")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    for table, expression in BEFORE.items():
        _search_column(table, expression)
    op.execute("DROP FUNCTION IF EXISTS search_strings(jsonb)")
    op.execute("DROP FUNCTION IF EXISTS search_words(text)")
