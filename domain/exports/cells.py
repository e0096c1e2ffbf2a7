"""Cells written to files people open in spreadsheets."""

from __future__ import annotations

# What makes Excel, LibreOffice or Google Sheets read a cell as a formula (CSV injection): a cell
# starting with one of these runs `=HYPERLINK("http://evil", "click")` when the file is opened.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    """The text as a spreadsheet shows it, never run as a formula: a leading quote makes it text."""
    return "'" + text if text.startswith(FORMULA_START) else text
