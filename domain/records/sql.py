"""Numbered query parameters ($1, $2...) collected while a statement is built."""

from __future__ import annotations

from typing import Any


class Params:
    def __init__(self, *initial: Any) -> None:
        self.values: list[Any] = list(initial)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"
