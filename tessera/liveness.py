"""Liveness of the long-running processes without a port of their own (relay, scheduler, indexer,
worker): each touches its file after every pass of its loop that reached its services, and
`tessera health KIND` (docker-compose's healthcheck) says whether the last pass is recent. A
process removes its file when it starts, so a restarted container is not healthy on the strength
of its previous life."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from tessera.settings import Settings

KINDS = ("relay", "scheduler", "indexer", "worker")
DEFAULT_MAX_AGE_SECONDS = 90.0


@dataclass(frozen=True)
class Liveness:
    path: Path

    @classmethod
    def of(cls, settings: Settings, kind: str) -> Liveness:
        """The file of a process kind, under DATA_DIR."""
        return cls(Path(settings.data_dir) / "liveness" / f"{kind}.alive")

    def starting(self) -> Liveness:
        """For the process starting now: no pass yet."""
        self.path.unlink(missing_ok=True)
        return self

    def beat(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch()

    def age_seconds(self) -> float | None:
        """Seconds since the last pass; None before the first."""
        try:
            return max(0.0, time.time() - os.stat(self.path).st_mtime)
        except FileNotFoundError:
            return None
