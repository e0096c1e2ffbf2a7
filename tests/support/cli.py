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


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, unset: tuple[str, ...] = ()
) -> Result:
    """`env` adds to the test session's environment; `unset` takes variables out of it."""
    environment = {
        key: value for key, value in {**os.environ, **(env or {})}.items() if key not in unset
    }
    proc = subprocess.run(
        [*TESSERA, *args], capture_output=True, text=True, timeout=timeout, env=environment
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


async def arun(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None, unset: tuple[str, ...] = ()
) -> Result:
    return await asyncio.to_thread(run, *args, timeout=timeout, env=env, unset=unset)


def ok(result: Result) -> str:
    assert result.code == 0, f"exit {result.code}\nstdout: {result.out}\nstderr: {result.err}"
    return result.out.strip()
