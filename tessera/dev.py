"""`make dev`: embedded services if needed, migrations, the demo tenant, then the API and a worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tessera.devservices import ensure_services
from tessera.seed import seed_demo
from tessera.settings import load_settings

DEMO_SLUG = "demo"
DEMO_EMAIL = "admin@demo.test"
DEMO_PASSWORD = "demo-password"
STOP_TIMEOUT_SECONDS = 20


def run_dev() -> int:
    settings = load_settings()
    if settings.is_prod:
        print("refusing to run `tessera dev` with TESSERA_ENV=prod", file=sys.stderr)
        return 2
    services = ensure_services(settings.data_dir)
    mail = None
    if not settings.smtp_url:  # mail goes to .data/mail instead of out into the world
        from tessera.mailcatcher import MailCatcher

        mail = MailCatcher(Path(settings.data_dir) / "mail").start()
        os.environ["SMTP_URL"] = mail.url
    settings = load_settings()  # now with the embedded services' URLs
    from tessera import migrations

    migrations.upgrade()
    asyncio.run(_seed_demo(settings.database_url))
    print(
        f"\nTessera dev: http://{settings.host}:{settings.port}/graphql\n"
        f"  demo login (dev only): tenant={DEMO_SLUG} email={DEMO_EMAIL} password={DEMO_PASSWORD}\n"
        f"  DATABASE_URL={settings.database_url}\n  REDIS_URL={settings.redis_url}\n"
        f"  SMTP_URL={settings.smtp_url}"
        + (f" (mail is kept in {mail.folder}, not sent)" if mail else "")
        + "\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )
    # Ctrl-C and `kill` both mean "stop everything in order", even when started from a script that
    # left SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    tessera = [sys.executable, "-m", "tessera.cli"]
    # Each child in its own session, so Ctrl-C reaches only this process, which then stops them in
    # order (API and worker first, the services they use last) and never leaves orphans behind.
    children = {
        "api": subprocess.Popen([*tessera, "serve"], env=os.environ.copy(), start_new_session=True),
        "relay": subprocess.Popen(
            [*tessera, "relay"], env=os.environ.copy(), start_new_session=True
        ),
        "indexer": subprocess.Popen(
            [*tessera, "indexer"], env=os.environ.copy(), start_new_session=True
        ),
        "scheduler": subprocess.Popen(
            [*tessera, "scheduler"], env=os.environ.copy(), start_new_session=True
        ),
        "worker": subprocess.Popen(
            [*tessera, "worker", "--threads", "2", "--shutdown-timeout", "10"],
            env=os.environ.copy(),
            start_new_session=True,
        ),
    }
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        dead = [name for name, child in children.items() if child.poll() is not None]
        print(f"{', '.join(dead)} stopped unexpectedly; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    finally:
        _stop_children(children)
        if mail:
            mail.stop()
        services.stop()


def _stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            # Only the leader, as `docker stop` does: dramatiq's main process forwards it to its
            # worker processes (a signal to the group would also do, see workers/shutdown.py).
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


async def _seed_demo(database_url: str) -> None:
    from domain import MODEL_MODULES
    from domain.onboarding import onboard_tenant
    from tenants.database import connect, disconnect
    from tenants.registry import find_by_slug

    await connect(database_url, MODEL_MODULES, pool_size=2)
    try:
        created = await find_by_slug(DEMO_SLUG) is None
        if created:
            await onboard_tenant(
                slug=DEMO_SLUG,
                name="Demo",
                admin_email=DEMO_EMAIL,
                admin_password=DEMO_PASSWORD,
                admin_name="Demo Admin",
            )
    finally:
        await disconnect()
    if created:
        # Something to look at in GraphiQL from the first minute: a few hundred records of each kind.
        await seed_demo(database_url, tenant_slug=DEMO_SLUG, size="small")
