"""CRM core, part 2: campaigns, leads, pipelines and stages, opportunities with stage history,
tickets with status history, and activities.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
RECORD_COLUMNS = """
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    updated_by uuid,
    deleted_at timestamptz
"""
OWNERSHIP = """
    owner_id uuid,
    team_id uuid,
"""
OWNERSHIP_KEYS = """
    FOREIGN KEY (tenant_id, owner_id) REFERENCES membership (tenant_id, user_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES team (tenant_id, id)
"""
TABLES = (
    "campaign",
    "lead",
    "pipeline",
    "stage",
    "opportunity",
    "opportunity_stage_history",
    "ticket",
    "ticket_status_history",
    "activity",
)

# The default sales pipeline every tenant starts with (also created by tenant provisioning).
DEFAULT_STAGES = [
    ("Qualification", 10, "OPEN"),
    ("Needs analysis", 25, "OPEN"),
    ("Proposal", 50, "OPEN"),
    ("Negotiation", 75, "OPEN"),
    ("Closed won", 100, "WON"),
    ("Closed lost", 0, "LOST"),
]


def _app_role() -> str:
    return '"' + op.get_context().config.attributes["app_db_user"].replace('"', '""') + '"'


def upgrade() -> None:
    op.execute(f"""
        CREATE TABLE campaign (
            tenant_id uuid NOT NULL REFERENCES tenant (id), id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            channel text NOT NULL,
            cost numeric(18, 2) NOT NULL DEFAULT 0,
            starts_on date, ends_on date,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(f"""
        CREATE TABLE lead (
            tenant_id uuid NOT NULL REFERENCES tenant (id), id uuid NOT NULL,
            person_name text, company_name text, email text, phone text,
            source_channel text, campaign_id uuid, region text, industry text,
            lifecycle_stage text NOT NULL DEFAULT 'LEAD', status text NOT NULL DEFAULT 'NEW',
            score integer NOT NULL DEFAULT 0,
            {OWNERSHIP}
            last_activity_at timestamptz,
            converted_at timestamptz, converted_customer_id uuid, converted_contact_id uuid,
            converted_opportunity_id uuid,
            custom_fields jsonb NOT NULL DEFAULT '{{}}',
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            CHECK (person_name IS NOT NULL OR company_name IS NOT NULL),
            FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaign (tenant_id, id),
            {OWNERSHIP_KEYS}
        )""")
    op.execute(f"""
        CREATE TABLE pipeline (
            tenant_id uuid NOT NULL REFERENCES tenant (id), id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
            is_default boolean NOT NULL DEFAULT false,
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id)
        )""")
    op.execute(
        "CREATE UNIQUE INDEX pipeline_default_key ON pipeline (tenant_id) WHERE is_default AND deleted_at IS NULL"
    )
    op.execute(f"""
        CREATE TABLE stage (
            tenant_id uuid NOT NULL REFERENCES tenant (id), id uuid NOT NULL,
            pipeline_id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
            position integer NOT NULL,
            probability integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
            kind text NOT NULL CHECK (kind IN ('OPEN', 'WON', 'LOST')),
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, pipeline_id) REFERENCES pipeline (tenant_id, id)
        )""")
    op.execute("CREATE INDEX stage_pipeline_idx ON stage (tenant_id, pipeline_id, position)")
    op.execute(f"""
        CREATE TABLE opportunity (
            tenant_id uuid NOT NULL REFERENCES tenant (id), id uuid NOT NULL,
            name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
            customer_id uuid, primary_contact_id uuid,
            pipeline_id uuid NOT NULL, stage_id uuid NOT NULL,
            amount numeric(18, 2), currency char(3),
            expected_close_date date,
            probability integer CHECK (probability BETWEEN 0 AND 100),
            {OWNERSHIP}
            campaign_id uuid, channel text,
            close_reason text, closed_at timestamptz,
            last_activity_at timestamptz,
            custom_fields jsonb NOT NULL DEFAULT '{{}}',
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, customer_id) REFERENCES customer (tenant_id, id),
            FOREIGN KEY (tenant_id, primary_contact_id) REFERENCES contact (tenant_id, id),
            FOREIGN KEY (tenant_id, pipeline_id) REFERENCES pipeline (tenant_id, id),
            FOREIGN KEY (tenant_id, stage_id) REFERENCES stage (tenant_id, id),
            FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaign (tenant_id, id),
            {OWNERSHIP_KEYS}
        )""")
    op.execute(
        "CREATE INDEX opportunity_pipeline_close_idx ON opportunity (tenant_id, pipeline_id, expected_close_date, id)"
    )
    op.execute(
        "CREATE INDEX opportunity_customer_idx ON opportunity (tenant_id, customer_id, created_at, id)"
    )
    op.execute("CREATE INDEX opportunity_owner_idx ON opportunity (tenant_id, owner_id)")
    op.execute("""
        CREATE TABLE opportunity_stage_history (
            tenant_id uuid NOT NULL REFERENCES tenant (id), id uuid NOT NULL,
            opportunity_id uuid NOT NULL, stage_id uuid NOT NULL,
            entered_at timestamptz NOT NULL DEFAULT now(), left_at timestamptz,
            actor_id uuid,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, opportunity_id) REFERENCES opportunity (tenant_id, id),
            FOREIGN KEY (tenant_id, stage_id) REFERENCES stage (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX opportunity_stage_history_idx ON opportunity_stage_history (tenant_id, opportunity_id, entered_at, id)"
    )
    op.execute(f"""
        CREATE TABLE ticket (
            tenant_id uuid NOT NULL REFERENCES tenant (id), id uuid NOT NULL,
            subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
            description text,
            customer_id uuid, contact_id uuid,
            category text, priority text NOT NULL DEFAULT 'NORMAL', channel text,
            status text NOT NULL DEFAULT 'NEW',
            {OWNERSHIP}
            first_response_at timestamptz, resolved_at timestamptz, closed_at timestamptz,
            first_response_due_at timestamptz, resolution_due_at timestamptz,
            satisfaction_score integer CHECK (satisfaction_score BETWEEN 1 AND 5),
            custom_fields jsonb NOT NULL DEFAULT '{{}}',
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, customer_id) REFERENCES customer (tenant_id, id),
            FOREIGN KEY (tenant_id, contact_id) REFERENCES contact (tenant_id, id),
            {OWNERSHIP_KEYS}
        )""")
    op.execute("CREATE INDEX ticket_status_idx ON ticket (tenant_id, status, created_at, id)")
    op.execute(
        "CREATE INDEX ticket_customer_idx ON ticket (tenant_id, customer_id, created_at, id)"
    )
    op.execute("""
        CREATE TABLE ticket_status_history (
            tenant_id uuid NOT NULL REFERENCES tenant (id), id uuid NOT NULL,
            ticket_id uuid NOT NULL, from_status text, to_status text NOT NULL,
            changed_at timestamptz NOT NULL DEFAULT now(), actor_id uuid,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, ticket_id) REFERENCES ticket (tenant_id, id)
        )""")
    op.execute(
        "CREATE INDEX ticket_status_history_idx ON ticket_status_history (tenant_id, ticket_id, changed_at, id)"
    )
    op.execute(f"""
        CREATE TABLE activity (
            tenant_id uuid NOT NULL REFERENCES tenant (id), id uuid NOT NULL,
            kind text NOT NULL CHECK (kind IN ('NOTE', 'CALL', 'EMAIL', 'MEETING', 'TASK')),
            subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
            body text,
            record_type text NOT NULL, record_id uuid NOT NULL,
            occurred_at timestamptz NOT NULL DEFAULT now(),
            due_at timestamptz, done_at timestamptz,
            {OWNERSHIP}
            {RECORD_COLUMNS},
            PRIMARY KEY (tenant_id, id),
            {OWNERSHIP_KEYS}
        )""")
    op.execute(
        "CREATE INDEX activity_record_idx ON activity (tenant_id, record_type, record_id, occurred_at, id)"
    )
    op.execute(
        "CREATE INDEX activity_open_tasks_idx ON activity (tenant_id, owner_id, due_at) WHERE kind = 'TASK' AND done_at IS NULL"
    )
    op.execute("ALTER TABLE customer ADD COLUMN last_activity_at timestamptz")

    role = _app_role()
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {role}")

    # Existing tenants get the default pipeline that new tenants get at provisioning.
    op.execute("""
        INSERT INTO pipeline (tenant_id, id, name, is_default)
        SELECT t.id, gen_random_uuid(), 'Sales', true FROM tenant t
        WHERE NOT EXISTS (SELECT 1 FROM pipeline p WHERE p.tenant_id = t.id)
    """)
    values = ", ".join(
        f"('{name}', {position}, {probability}, '{kind}')"
        for position, (name, probability, kind) in enumerate(DEFAULT_STAGES)
    )
    op.execute(f"""
        INSERT INTO stage (tenant_id, id, pipeline_id, name, position, probability, kind)
        SELECT p.tenant_id, gen_random_uuid(), p.id, s.name, s.position, s.probability, s.kind
        FROM pipeline p CROSS JOIN (VALUES {values}) AS s(name, position, probability, kind)
        WHERE p.is_default AND NOT EXISTS (SELECT 1 FROM stage x WHERE x.tenant_id = p.tenant_id AND x.pipeline_id = p.id)
    """)


def downgrade() -> None:
    op.execute("ALTER TABLE customer DROP COLUMN IF EXISTS last_activity_at")
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
