"""The domain names fields in snake_case (docs/architecture.md, "Naming"): the stored names that are
the domain's vocabulary are rewritten to it. Field rules of standard objects (`field_access.field`:
`stageId` -> `stage_id`, `customFields.vat` -> `custom_fields.vat`) and the fields a stage requires
(`stage.required_fields`). Custom objects' field rules name the tenant's api names: data, left as
they are. The downgrade spells them as before.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-02
"""

from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

STANDARD_OBJECTS = "('Customer', 'Contact', 'Lead', 'Opportunity', 'Ticket')"

# stageId -> stage_id; customFields.vat -> custom_fields.vat (api names are lower case by rule).
SNAKE = r"lower(regexp_replace({}, '([a-z0-9])([A-Z])', '\1_\2', 'g'))"

CAMEL_FUNCTION = r"""
    CREATE FUNCTION pg_temp.camel_name(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE
            WHEN name LIKE 'custom\_fields.%' THEN 'customFields.' || substr(name, 15)
            ELSE (SELECT string_agg(CASE WHEN i = 1 THEN part ELSE initcap(part) END, '' ORDER BY i)
                  FROM unnest(string_to_array(name, '_')) WITH ORDINALITY AS p(part, i))
        END
    $$"""


def _rewrite(field_access: str, required: str) -> None:
    # Migrations run as the tables' owner, whom FORCEd row-level security would hide every row
    # from (no tenant is set): lifted for the rewrite, in this transaction only.
    for table in ("field_access", "stage"):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"UPDATE field_access SET field = {field_access} WHERE object IN {STANDARD_OBJECTS}")
    op.execute(
        f"UPDATE stage SET required_fields = ARRAY(SELECT {required} FROM unnest(required_fields) AS r(name)) "
        "WHERE required_fields IS NOT NULL AND cardinality(required_fields) > 0"
    )
    for table in ("field_access", "stage"):
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def upgrade() -> None:
    _rewrite(SNAKE.format("field"), SNAKE.format("r.name"))


def downgrade() -> None:
    op.execute(CAMEL_FUNCTION)
    _rewrite("pg_temp.camel_name(field)", "pg_temp.camel_name(r.name)")
