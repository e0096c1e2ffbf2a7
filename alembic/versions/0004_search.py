"""Text search over customers, contacts and leads: generated tsvector columns with GIN indexes.

The 'simple' configuration (no stemming, no stop words) suits names, emails, phone numbers and
mixed-language text; queries match word prefixes. Phone numbers are indexed with and without '+'.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

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
}


def upgrade() -> None:
    # array_to_string is only STABLE, which generated columns refuse; joining with a space is
    # immutable in fact, so a wrapper declares it.
    op.execute(
        "CREATE FUNCTION search_join(text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        "AS $$ SELECT array_to_string($1, ' ') $$"
    )
    for table, text in SEARCHED.items():
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('simple', {text})) STORED"
        )
        op.execute(f"CREATE INDEX {table}_search_idx ON {table} USING gin (search_vector)")


def downgrade() -> None:
    for table in SEARCHED:
        op.execute(f"DROP INDEX IF EXISTS {table}_search_idx")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    op.execute("DROP FUNCTION IF EXISTS search_join(text[])")
