"""What a connector is: a small class that knows one external system's API. The sync engine
(engine.py) does the rest: cursors, conflicts, external ids, the log, restarts.

A connector pulls pages of changes per stream, oldest first, each page with the cursor to resume
after it, and pushes Tessera's customers. Register it in CONNECTORS under its name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class ExternalChange:
    external_id: str
    updated_at: datetime | None
    data: dict[str, Any]  # the external record as the system shows it


@dataclass(frozen=True)
class Page:
    changes: list[ExternalChange]
    cursor: str | None  # where the next pull starts (None: nothing new)
    more: bool  # whether another page follows now


class Connector(Protocol):
    streams: tuple[str, ...]  # what it pulls, in order (customers before the orders that name them)

    async def pull(self, stream: str, cursor: str | None) -> Page: ...

    async def push_customer(
        self, external_id: str | None, values: dict[str, Any], *, tessera_id: str
    ) -> str:
        """Create (no external id) or update the system's customer; its external id."""
        ...


class ConnectorError(RuntimeError):
    """The external system refused or could not be reached; the run stops and retries later."""
