"""A field's answer already written as JSON (by PostgreSQL, see api/records/compiled.py).

A resolver returns `CompiledJson` for a field whose whole selection it answered; the executor
then takes the text as the field's completed value (an `orjson.Fragment`, written into the
response as it is) instead of completing an object field by field.
"""

from __future__ import annotations

import orjson


class CompiledJson:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def fragment(self) -> orjson.Fragment:
        return orjson.Fragment(self.text)
