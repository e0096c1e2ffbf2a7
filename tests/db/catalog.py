"""Catalog queries shared by the database tests."""

# Tables that are not tenant-owned: the tenant registry itself, global user identities (a user can
# belong to several tenants) and alembic's bookkeeping. Everything else must carry tenant_id.
# outbox_watermark: one row of the relay's bookkeeping, reached only through a SECURITY DEFINER function.
GLOBAL_TABLES = {"tenant", "app_user", "alembic_version", "outbox_watermark"}

TABLES = """
SELECT c.relname AS table, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
       pg_get_userbyid(c.relowner) AS owner,
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
               AND NOT a.attisdropped) AS has_tenant_id
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
"""

CONSTRAINTS = """
SELECT con.conrelid::regclass::text AS table, con.conname AS name, con.contype::text AS type,
       con.confrelid::regclass::text AS references,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) AS k(attnum)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord LIMIT 1) AS leading
FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
WHERE n.nspname = 'public' AND con.contype IN ('p', 'u', 'f')
"""

UNIQUE_INDEXES = """
SELECT t.relname AS table, i.relname AS name,
       (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = ix.indkey[0]) AS leading
FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public' AND ix.indisunique
"""
