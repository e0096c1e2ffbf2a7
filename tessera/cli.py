"""The `tessera` command: serve, worker, migrate, dev, and operator commands for tenants and tokens."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta, timezone
from typing import Any

from tessera.liveness import DEFAULT_MAX_AGE_SECONDS, KINDS, Liveness
from tessera.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    if getattr(args, "needs_services", True):
        _attach_embedded_services()
    return args.handler(args) or 0


def _attach_embedded_services() -> None:
    """In dev, with no DATABASE_URL / REDIS_URL, use (or start) the embedded services under the
    data directory, so `tessera token create ...` works beside a running `make dev`."""
    settings = load_settings()
    if settings.is_prod or (settings.database_url and settings.redis_url):
        return
    from tessera.devservices import ensure_services

    ensure_services(settings.data_dir)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tessera", description=__doc__)
    sub = parser.add_subparsers(title="commands")

    serve = sub.add_parser("serve", help="serve the GraphQL API (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    worker = sub.add_parser("worker", help="run dramatiq workers for background jobs")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=4)
    worker.add_argument(
        "--shutdown-timeout",
        type=int,
        help="seconds from SIGTERM to exit, jobs cut short then (default WORKER_SHUTDOWN_TIMEOUT_SECONDS, 30)",
    )
    worker.set_defaults(handler=_worker)

    relay = sub.add_parser("relay", help="move committed outbox events to the queue")
    relay.add_argument("--poll-seconds", type=float, default=2.0)
    relay.set_defaults(handler=_relay)

    scheduler = sub.add_parser(
        "scheduler", help="fire time-based automation rules and resume waiting runs"
    )
    scheduler.add_argument("--once", action="store_true", help="one pass, then exit")
    scheduler.add_argument("--poll-seconds", type=float, default=10.0)
    scheduler.set_defaults(handler=_scheduler)

    indexer = sub.add_parser(
        "indexer", help="build the indexes admins ask for on custom objects (as the owner role)"
    )
    indexer.add_argument("--once", action="store_true", help="handle what is pending, then exit")
    indexer.add_argument("--poll-seconds", type=float, default=5.0)
    indexer.set_defaults(handler=_indexer)

    migrate = sub.add_parser("migrate", help="upgrade the database schema (as the owner role)")
    migrate.add_argument("--revision", default="head")
    migrate.add_argument(
        "--downgrade", metavar="REVISION", help="downgrade to REVISION instead, e.g. base"
    )
    migrate.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait up to SECONDS for the database to accept connections first",
    )
    migrate.set_defaults(handler=_migrate)

    dev = sub.add_parser(
        "dev", help="everything for local development: services, migrate, seed, api, worker"
    )
    dev.set_defaults(handler=_dev, needs_services=False)  # starts them itself

    tenant = sub.add_parser("tenant", help="manage tenants").add_subparsers(title="tenant commands")
    create = tenant.add_parser("create", help="provision a tenant with its first admin")
    create.add_argument("slug")
    create.add_argument("--name", required=True)
    create.add_argument("--admin-email", required=True)
    create.add_argument("--admin-password", required=True)
    create.add_argument("--admin-name", default="")
    create.set_defaults(handler=_tenant_create)
    for verb in ("suspend", "activate"):
        status = tenant.add_parser(verb, help=f"{verb} a tenant")
        status.add_argument("slug")
        status.set_defaults(handler=_tenant_status, suspended=verb == "suspend")

    user = sub.add_parser("user", help="manage users").add_subparsers(title="user commands")
    add = user.add_parser("add", help="give a user a role in a tenant")
    add.add_argument("--tenant", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--password", required=True)
    add.add_argument(
        "--role", required=True, choices=["admin", "manager", "member", "agent", "viewer"]
    )
    add.add_argument("--name", default="")
    add.set_defaults(handler=_user_add)

    token = sub.add_parser("token", help="manage API tokens").add_subparsers(title="token commands")
    tcreate = token.add_parser("create", help="create an API token and print its secret")
    tcreate.add_argument("--tenant", required=True)
    tcreate.add_argument("--name", required=True)
    tcreate.add_argument("--scopes", required=True, help="comma-separated, e.g. crm:read,crm:write")
    tcreate.add_argument(
        "--user", help="email of the member it acts for (default: the first admin)"
    )
    tcreate.add_argument("--expires-in-days", type=int)
    tcreate.set_defaults(handler=_token_create)

    maintenance = sub.add_parser("maintenance", help="enqueue housekeeping jobs").add_subparsers(
        title="maintenance commands"
    )
    purge = maintenance.add_parser("purge-credentials", help="delete long-expired refresh tokens")
    purge.add_argument("--tenant", required=True)
    purge.set_defaults(handler=_purge_credentials)

    files = sub.add_parser("files", help="upkeep of stored files").add_subparsers(
        title="files commands"
    )
    move = files.add_parser(
        "move-to-store",
        help="move files kept in PostgreSQL (before migration 0031) into the configured store",
    )
    move.add_argument("--tenant", help="one tenant's slug (default: every tenant)")
    move.set_defaults(handler=_files_move)
    sweep = files.add_parser("sweep", help="remove stored bytes that no file row names")
    sweep.add_argument("--tenant", help="one tenant's slug (default: every tenant)")
    sweep.add_argument(
        "--older-than-seconds",
        type=int,
        default=3600,
        help="leave younger bytes alone: their upload may still be running (default %(default)s)",
    )
    sweep.set_defaults(handler=_files_sweep)

    backfill = sub.add_parser(
        "backfill", help="write history that data loaded without it lacks"
    ).add_subparsers(title="backfill commands")
    analytics = backfill.add_parser(
        "analytics",
        help="lifecycle transitions (from the audit trail) and campaign touches; safe to repeat",
    )
    analytics.add_argument("--tenant", help="one tenant's slug (default: every tenant)")
    analytics.set_defaults(handler=_backfill_analytics)

    seed = sub.add_parser("seed", help="fill a tenant with generated data").add_subparsers(
        title="seed commands"
    )
    demo = seed.add_parser(
        "demo", help="realistic CRM data: customers, contacts, leads, deals, tickets, activities"
    )
    demo.add_argument("--tenant", required=True)
    demo.add_argument("--size", choices=["small", "large"], default="small")
    demo.set_defaults(handler=_seed_demo)

    health = sub.add_parser(
        "health",
        help="exit 0 if a relay, scheduler, indexer or worker here made a pass "
        "recently (a container healthcheck)",
    )
    health.add_argument("kind", choices=KINDS)
    health.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE_SECONDS,
        help="seconds (default %(default)s)",
    )
    health.set_defaults(handler=_health, needs_services=False)

    export = sub.add_parser("export-schema", help="print the GraphQL SDL")
    export.set_defaults(handler=_export_schema, needs_services=False)
    return parser


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    uvicorn.run(
        "tessera.wiring:create_api",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep the JSON logging that the app factory configures
        access_log=False,  # the request middleware logs each request with its request id
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from workers.shutdown import jobs_budget_ms

    settings = load_settings()
    timeout = args.shutdown_timeout or settings.worker_shutdown_timeout_seconds
    os.environ["WORKER_SHUTDOWN_TIMEOUT_SECONDS"] = str(
        timeout
    )  # for the worker processes' deadline
    if settings.metrics_port:
        # The worker processes write their metrics to one directory (prometheus_client's
        # multiprocess mode, set before any of them starts); dramatiq's exposition server serves
        # them all on METRICS_PORT (workers/metrics.py).
        shared = tempfile.mkdtemp(prefix="tessera-worker-metrics-")
        os.environ.update(
            {
                "PROMETHEUS_MULTIPROC_DIR": shared,
                "dramatiq_prom_db": shared,
                "dramatiq_prom_host": settings.metrics_host,
                "dramatiq_prom_port": str(settings.metrics_port),
            }
        )
    command = [
        sys.executable,
        "-m",
        "dramatiq",
        "tessera.worker_entry",
        "--processes",
        str(args.processes),
        "--threads",
        str(args.threads),
        "--worker-shutdown-timeout",
        str(jobs_budget_ms(timeout)),
        "--skip-logging",  # tessera.worker_entry configures JSON logging
    ]
    os.execv(sys.executable, command)  # does not return


def _relay(args: argparse.Namespace) -> int:
    from tessera.relay_entry import run

    return run(poll_seconds=args.poll_seconds)


def _scheduler(args: argparse.Namespace) -> int:
    from tessera.scheduler_entry import run

    return run(poll_seconds=args.poll_seconds, once=args.once)


def _indexer(args: argparse.Namespace) -> int:
    from tessera.indexer import run
    from tessera.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    if not settings.database_url:
        print("error: DATABASE_URL is not set", file=sys.stderr)
        return 2
    liveness = Liveness.of(settings, "indexer").starting()
    try:
        asyncio.run(
            run(
                settings.database_url,
                poll_seconds=args.poll_seconds,
                once=args.once,
                on_pass=liveness.beat,
            )
        )
    except KeyboardInterrupt:
        pass
    return 0


def _migrate(args: argparse.Namespace) -> int:
    import psycopg

    from tessera import migrations

    try:
        if args.wait:
            migrations.wait_for_database(args.wait)
    except psycopg.OperationalError as exc:
        print(f"error: the database did not answer within {args.wait:g}s: {exc}", file=sys.stderr)
        return 1
    if args.downgrade:
        migrations.downgrade(args.downgrade)
    else:
        migrations.upgrade(args.revision)
    return 0


def _dev(args: argparse.Namespace) -> int:
    from tessera.dev import run_dev

    return run_dev()


def _tenant_create(args: argparse.Namespace) -> int:
    from domain.onboarding import onboard_tenant

    async def run() -> None:
        result = await onboard_tenant(
            slug=args.slug,
            name=args.name,
            admin_email=args.admin_email,
            admin_password=args.admin_password,
            admin_name=args.admin_name,
        )
        print(
            f"tenant {result.tenant.slug} created (id {result.tenant.id}); admin {result.admin.email}"
        )

    return _as_owner(run)


def _tenant_status(args: argparse.Namespace) -> int:
    from tenants.registry import set_status

    async def run() -> None:
        tenant = await set_status(slug=args.slug, suspended=args.suspended)
        print(f"tenant {tenant.slug} is {tenant.status}")

    return _as_owner(run)


def _user_add(args: argparse.Namespace) -> int:
    from domain.identity.provisioning import add_user
    from domain.identity.roles import Role

    async def run() -> None:
        user = await add_user(
            tenant_slug=args.tenant,
            email=args.email,
            password=args.password,
            role=Role(args.role),
            name=args.name,
        )
        print(f"{user.email} is {args.role} of {args.tenant}")

    return _as_owner(run)


def _token_create(args: argparse.Namespace) -> int:
    from domain.identity.api_tokens import create_api_token
    from domain.identity.operator import member_principal

    expires_at = (
        datetime.now(timezone.utc) + timedelta(days=args.expires_in_days)
        if args.expires_in_days
        else None
    )

    async def run() -> None:
        async with _tenant(args.tenant):
            principal = await member_principal(email=args.user)
            created = await create_api_token(
                principal=principal,
                name=args.name,
                scopes=[s.strip() for s in args.scopes.split(",") if s.strip()],
                expires_at=expires_at,
            )
        print(created.secret)

    return _as_owner(run)


def _purge_credentials(args: argparse.Namespace) -> int:
    from tessera.enqueue import enqueue_purge_credentials

    async def run() -> None:
        from tenants.registry import find_by_slug

        tenant = await find_by_slug(args.tenant)
        if tenant is None:
            raise _user_error(f"no tenant {args.tenant!r}")
        message_id = enqueue_purge_credentials(tenant.id)
        print(f"enqueued identity.purge_expired_credentials ({message_id})")

    return _as_owner(run)


async def _tenants_of(slug: str | None) -> list[Any]:
    from tenants.models import Tenant
    from tenants.registry import find_by_slug

    if slug is None:
        return list(await Tenant.all().order_by("slug"))
    tenant = await find_by_slug(slug)
    if tenant is None:
        raise _user_error(f"no tenant {slug!r}")
    return [tenant]


def _files_move(args: argparse.Namespace) -> int:
    from domain.files.upkeep import move_to_store

    async def run() -> None:
        for tenant in await _tenants_of(args.tenant):
            print(f"{tenant.slug}: {await move_to_store(tenant.id)} files moved to the store")

    return _as_owner(run)


def _files_sweep(args: argparse.Namespace) -> int:
    from domain.files.upkeep import sweep

    async def run() -> None:
        for tenant in await _tenants_of(args.tenant):
            removed = await sweep(tenant.id, older_than_seconds=args.older_than_seconds)
            print(f"{tenant.slug}: {removed} unnamed stored files removed")

    return _as_owner(run)


def _backfill_analytics(args: argparse.Namespace) -> int:
    from domain.reports.backfill import backfill_analytics
    from tenants.context import tenant_transaction

    async def run() -> None:
        for tenant in await _tenants_of(args.tenant):
            async with tenant_transaction(tenant.id):
                done = await backfill_analytics()
            print(
                f"{tenant.slug}: {done.transitions} lifecycle transitions, "
                f"{done.touches} campaign touches back-filled"
            )

    return _as_owner(run)


def _seed_demo(args: argparse.Namespace) -> int:
    import time

    from tessera.seed import seed_demo

    settings = load_settings()
    started = time.monotonic()
    try:
        inserted = asyncio.run(
            seed_demo(settings.database_url, tenant_slug=args.tenant, size=args.size)
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = sum(inserted.values())
    print(
        f"seeded {total} rows into {args.tenant} in {time.monotonic() - started:.1f}s: "
        + ", ".join(f"{table} {n}" for table, n in inserted.items())
    )
    return 0


def _health(args: argparse.Namespace) -> int:
    age = Liveness.of(load_settings(), args.kind).age_seconds()
    if age is None or age > args.max_age:
        print(
            f"{args.kind}: " + ("no pass yet" if age is None else f"last pass {age:.0f}s ago"),
            file=sys.stderr,
        )
        return 1
    print(f"{args.kind}: last pass {age:.1f}s ago")
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    from api.schema import schema

    print(schema.as_str())
    return 0


class _UserError(Exception):
    pass


def _user_error(message: str) -> _UserError:
    return _UserError(message)


def _tenant(slug: str) -> AbstractAsyncContextManager[Any]:
    from contextlib import asynccontextmanager

    from tenants.context import tenant_transaction
    from tenants.registry import find_by_slug

    @asynccontextmanager
    async def scope() -> AsyncIterator[Any]:
        tenant = await find_by_slug(slug)
        if tenant is None:
            raise _user_error(f"no tenant {slug!r}")
        async with tenant_transaction(tenant.id):
            yield tenant

    return scope()


def _as_owner(work: Callable[[], Awaitable[None]]) -> int:
    """Run an operator command against the database as the owner role; print errors plainly."""
    from domain import MODEL_MODULES
    from domain.errors import DomainError, InvalidInput
    from tenants.database import connect, disconnect
    from tenants.registry import TenantError
    from tessera.domain_wiring import wire_domain

    settings = load_settings()
    if not settings.database_url:
        print("error: DATABASE_URL is not set", file=sys.stderr)
        return 2

    wire_domain()

    async def run() -> None:
        await connect(settings.database_url, MODEL_MODULES, pool_size=2)
        try:
            await work()
        finally:
            await disconnect()

    try:
        asyncio.run(run())
    except InvalidInput as exc:
        for error in exc.field_errors:
            print(f"error: {error.field}: {error.message}", file=sys.stderr)
        return 1
    except (DomainError, TenantError, _UserError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
