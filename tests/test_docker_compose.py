"""docker-compose.yml cannot be run here (no Docker engine), so check it against the real code:
every command it runs exists in the CLI, every setting it passes exists, the image has the code,
and a cold `docker compose up` converges by itself: every long-running service restarts and has a
healthcheck that is a real command (or route), the migration waits for PostgreSQL and is retried,
PostgreSQL counts as healthy only once it accepts TCP connections, and each service waits for
what it needs in the state it needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tessera.cli import build_parser
from tessera.liveness import KINDS
from tessera.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
TESSERA_SERVICES = {
    name: svc for name, svc in SERVICES.items() if svc.get("image") == "tessera:latest"
}
ONE_SHOT = {"migrate"}
LONG_RUNNING = sorted(SERVICES.keys() - ONE_SHOT)
USES_REDIS = {"api", "relay", "worker"}  # the processes that configure the broker


def test_it_runs_the_processes_tessera_needs():
    assert {
        "postgres",
        "redis",
        "migrate",
        "api",
        "relay",
        "scheduler",
        "indexer",
        "worker",
    } <= SERVICES.keys()
    assert {"migrate", "api", "relay", "scheduler", "indexer", "worker"} <= TESSERA_SERVICES.keys()


@pytest.mark.parametrize("name", sorted(TESSERA_SERVICES))
def test_each_command_is_a_real_cli_command(name):
    command = TESSERA_SERVICES[name]["command"]
    assert command[0] == "tessera"
    args = build_parser().parse_args(command[1:])  # exits (fails the test) on an unknown command
    assert hasattr(args, "handler")


def test_environment_names_real_settings():
    fields = {name.upper() for name in Settings.model_fields}
    for svc in TESSERA_SERVICES.values():
        for key in svc["environment"]:
            assert key in fields, f"{key} is not a Tessera setting"


def test_dependencies_exist_and_migration_runs_first():
    for name, svc in SERVICES.items():
        for dependency in svc.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
    for name in ("api", "relay", "scheduler", "indexer", "worker"):
        assert (
            SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        )


def test_image_contains_the_code_and_migrations():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = {
        part for line in re.findall(r"^COPY (.+)$", dockerfile, re.M) for part in line.split()[:-1]
    }
    for needed in (
        "pyproject.toml",
        "alembic",
        "alembic.ini",
        "api",
        "domain",
        "tenants",
        "workers",
        "tessera",
    ):
        assert needed in copied, f"Dockerfile does not copy {needed}"
        assert (ROOT / needed).exists()
    assert (ROOT / "tessera" / "cli.py").exists()


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_restarts_and_has_a_healthcheck(name):
    svc = SERVICES[name]
    assert svc.get("restart") in {"always", "unless-stopped", "on-failure"}, (
        f"{name} is not restarted when it exits"
    )
    assert svc.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


@pytest.mark.parametrize("kind", KINDS)
def test_process_healthchecks_are_the_health_command_of_their_own_kind(kind):
    svc = SERVICES[kind]
    test = svc["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "tessera"
    args = build_parser().parse_args(test[2:])
    assert args.handler.__name__ == "_health" and args.kind == svc["command"][1] == kind


async def test_the_api_healthcheck_asks_readiness_on_the_served_port(client):
    serve = build_parser().parse_args(SERVICES["api"]["command"][1:])
    probe = " ".join(SERVICES["api"]["healthcheck"]["test"])
    assert f"http://127.0.0.1:{serve.port}/readyz" in probe
    assert (await client.get("/readyz")).status_code == 200  # a real route of the app


def test_postgres_is_healthy_only_once_it_accepts_tcp_connections():
    test = SERVICES["postgres"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "pg_isready"]
    assert (
        test[test.index("-h") + 1] == "127.0.0.1"
    )  # not the socket of the first boot's init server


def test_the_migration_waits_for_postgres_and_is_retried_until_it_succeeds():
    migrate = SERVICES["migrate"]
    assert build_parser().parse_args(migrate["command"][1:]).wait > 0
    assert migrate["restart"] == "on-failure"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_dependency_is_awaited_in_the_state_it_must_reach(name):
    for dependency, config in SERVICES[name].get("depends_on", {}).items():
        wanted = "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
        assert config["condition"] == wanted, (
            f"{name} waits for {dependency} to be {config['condition']}"
        )
    if name in USES_REDIS:
        assert "redis" in SERVICES[name]["depends_on"], f"{name} starts before redis is healthy"


def test_docker_stop_gives_the_worker_its_whole_shutdown_timeout():
    worker = SERVICES["worker"]
    timeout = build_parser().parse_args(worker["command"][1:]).shutdown_timeout
    grace = worker["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) > timeout
