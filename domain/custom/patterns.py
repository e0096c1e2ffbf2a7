"""Admins' regular expressions (a text field's `pattern` rule) run on RE2, whose matching time grows
linearly with the text: a pattern such as `(a+)+$` cannot stall the process for every tenant, as
it can with Python's backtracking `re`. RE2 has no backreferences or lookaround; patterns that
need them are refused when the field is saved."""

from __future__ import annotations

from typing import Any

import re2

MAX_PATTERN_LENGTH = 200
# Memory RE2 may use to compile one pattern; a pattern needing more (e.g. a{1000}{1000}) is refused.
MAX_PROGRAM_BYTES = 1 << 20


def _options() -> re2.Options:
    options = re2.Options()
    options.max_mem = MAX_PROGRAM_BYTES
    options.log_errors = False  # a refused pattern is a field error, not a line on stderr
    return options


_OPTIONS = _options()


class PatternError(ValueError):
    pass


def _compiled(pattern: str) -> Any:
    """The compiled pattern (RE2 caches compilations); PatternError says why it cannot run."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"at most {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except re2.error as exc:
        reason = (
            exc.args[0].decode(errors="replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        raise PatternError(reason) from exc


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be used (None if it can)."""
    try:
        _compiled(pattern)
    except PatternError as exc:
        return str(exc)
    return None


def full_match(pattern: str, text: str) -> bool:
    """Whether the whole of `text` matches `pattern`, in time linear in the text; PatternError
    for a pattern RE2 cannot run (one saved before patterns were checked with RE2)."""
    return _compiled(pattern).fullmatch(text) is not None
