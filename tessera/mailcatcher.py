"""A local SMTP server that keeps every message it receives as a .eml file instead of sending it:
`make dev` points SMTP_URL at it, so email actions can be tried without a real mail server."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(
        self, server: Any, session: Any, envelope: Any
    ) -> str:  # aiosmtpd's hook name
        name = f"{time.time_ns()}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 kept"


class MailCatcher:
    """Started and stopped around a dev session (or a test session); `url` is its SMTP_URL."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = port or _free_port()
        self._controller = Controller(_Keep(folder), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> MailCatcher:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[bytes]:
        return [path.read_bytes() for path in sorted(self.folder.glob("*.eml"))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
