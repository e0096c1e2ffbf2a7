"""Writing rows to CSV or XLSX, streamed to a temporary file (on disk once it grows), with every
text cell kept as text: nothing a spreadsheet would run as a formula (`=HYPERLINK(...)`)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from domain.exports.cells import FORMULA_START, neutral

FORMATS = ("CSV", "XLSX")
CONTENT_TYPES = {
    "CSV": "text/csv",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def plain(value: Any) -> Any:
    """A stored value as a cell holds it: text, a number, a boolean or a date."""
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(plain(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, date | bool | int | float | str):
        return value
    return str(value)


class CsvWriter:
    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(
            max_size=8 * 1024 * 1024
        )  # closed by the caller
        self.file.write("\ufeff".encode())  # a BOM: Excel opens UTF-8 as UTF-8
        self._text = io.TextIOWrapper(self.file, encoding="utf-8", newline="", write_through=True)
        self._csv = csv.writer(self._text)

    def row(self, values: list[Any]) -> None:
        cells = []
        for raw in values:
            value = plain(raw)
            cells.append(
                "" if value is None else neutral(value) if isinstance(value, str) else value
            )
        self._csv.writerow(cells)

    def finish(self) -> IO[bytes]:
        self._text.flush()
        self._text.detach()
        self.file.seek(0)
        return self.file


class XlsxWriter:
    def __init__(self) -> None:
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet("Export")

    def row(self, values: list[Any]) -> None:
        cells = []
        for raw in values:
            value = plain(raw)
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.data_type = "s"  # openpyxl would store "=..." as a formula: keep it a string
                cells.append(cell)
            else:
                cells.append(value)
        self.sheet.append(cells)

    def finish(self) -> IO[bytes]:
        file: IO[bytes] = tempfile.SpooledTemporaryFile(
            max_size=8 * 1024 * 1024
        )  # closed by the caller
        self.book.save(file)
        file.seek(0)
        return file


def writer(format: str) -> CsvWriter | XlsxWriter:
    return CsvWriter() if format == "CSV" else XlsxWriter()
