"""Outcomes the domain reports as they happen (automation runs, webhook delivery attempts), for
whatever a process makes of them: the worker and scheduler processes count them as Prometheus
metrics (workers/metrics.py). The domain knows no metrics library; entry points subscribe."""

from __future__ import annotations

from collections.abc import Callable

# (what happened, its outcome, seconds it took), e.g. ("automation_run", "succeeded", 0.12)
Listener = Callable[[str, str, float], None]

_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Call `listener` for every outcome reported in this process from now on."""
    _listeners.append(listener)


def report(what: str, outcome: str, seconds: float) -> None:
    for listener in _listeners:
        try:
            listener(what, outcome, seconds)
        except Exception:  # noqa: BLE001 - counting must never break the work it counts
            pass
