"""Running the real `tessera` command, as operators and scripts do."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass

TESSERA = [sys.executable, "-m", "tessera.cli"]


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    proc = subprocess.run(
        [*TESSERA, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


async def arun(*args: str, timeout: float = 60) -> Result:
    return await asyncio.to_thread(run, *args, timeout=timeout)


def ok(result: Result) -> str:
    assert result.code == 0, f"exit {result.code}\nstdout: {result.out}\nstderr: {result.err}"
    return result.out.strip()
