"""`make dev`: embedded services if needed, migrations, the demo tenant, then the API and a worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from tessera.devservices import ensure_services
from tessera.settings import load_settings

DEMO_SLUG = "demo"
DEMO_EMAIL = "admin@demo.test"
DEMO_PASSWORD = "demo-password"


def run_dev() -> int:
    settings = load_settings()
    if settings.is_prod:
        print("refusing to run `tessera dev` with TESSERA_ENV=prod", file=sys.stderr)
        return 2
    services = ensure_services(settings.data_dir)
    settings = load_settings()  # now with the embedded services' URLs
    from tessera import migrations

    migrations.upgrade()
    asyncio.run(_seed_demo(settings.database_url))
    print(
        f"\nTessera dev: http://{settings.host}:{settings.port}/graphql\n"
        f"  demo login (dev only): tenant={DEMO_SLUG} email={DEMO_EMAIL} password={DEMO_PASSWORD}\n"
        f"  DATABASE_URL={settings.database_url}\n  REDIS_URL={settings.redis_url}\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )
    tessera = [sys.executable, "-m", "tessera.cli"]
    children = [
        subprocess.Popen([*tessera, "serve"], env=os.environ.copy()),
        subprocess.Popen([*tessera, "worker", "--threads", "2"], env=os.environ.copy()),
    ]
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return 1  # a child died on its own
    except KeyboardInterrupt:
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        services.stop()


async def _seed_demo(database_url: str) -> None:
    from domain import MODEL_MODULES
    from domain.identity.provisioning import provision_tenant
    from tenants.database import connect, disconnect
    from tenants.registry import find_by_slug

    await connect(database_url, MODEL_MODULES, pool_size=2)
    try:
        if await find_by_slug(DEMO_SLUG) is None:
            await provision_tenant(
                slug=DEMO_SLUG, name="Demo", admin_email=DEMO_EMAIL,
                admin_password=DEMO_PASSWORD, admin_name="Demo Admin",
            )
    finally:
        await disconnect()
