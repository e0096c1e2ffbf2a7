"""Reading a file to import as a table: a header row, then rows numbered as a spreadsheet numbers
them (the header is row 1). CSV in UTF-8 (with or without a byte order mark), UTF-16 with a byte
order mark, or GB18030 (and so GBK and GB2312: what Chinese Excel saves as "CSV"), told from the
bytes unless the caller names the encoding; XLSX read with openpyxl in read-only mode, streamed."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from domain.errors import InvalidInput
from domain.files.store import XLSX

# Tried in this order when the caller names none: strict UTF-8 first, as it rarely decodes
# anything else; GB18030 decodes every GBK / GB2312 file.
AUTO_ENCODINGS = ("utf-8", "gb18030")
DELIMITERS = ",;\t|"
csv.field_size_limit(1024 * 1024)  # one cell of a CSV file: at most 1 MiB


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]  # (row number, cells)
    encoding: str | None = None  # of a CSV file
    rows_estimate: int | None = None  # what an XLSX sheet says it holds


def _bad(code: str, message: str) -> InvalidInput:
    return InvalidInput.single("file", code, message)


def detect_encoding(data: IO[bytes]) -> str:
    """The encoding of a CSV file, from its byte order mark or by decoding all of it."""
    head = data.read(4)
    data.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in AUTO_ENCODINGS:
        if _decodes(data, encoding):
            return encoding
    raise _bad(
        "UNKNOWN_ENCODING",
        "the file is neither UTF-8 nor GB18030/GBK text: save it as CSV UTF-8 or name its encoding",
    )


def _decodes(data: IO[bytes], encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        while piece := data.read(1024 * 1024):
            decoder.decode(piece)
        decoder.decode(b"", final=True)
        return True
    except UnicodeDecodeError:
        return False
    finally:
        data.seek(0)


@contextmanager
def open_table(
    data: IO[bytes], content_type: str, *, encoding: str | None = None
) -> Iterator[Table]:
    """The table in `data` (a seekable binary file), by its sniffed content type."""
    if content_type == XLSX:
        with _xlsx(data) as table:
            yield table
    elif content_type.startswith("text/"):
        yield _csv(data, encoding)
    else:
        raise _bad("UNSUPPORTED_FILE", f"import CSV or XLSX files (this one is {content_type})")


def _csv(data: IO[bytes], encoding: str | None) -> Table:
    if encoding is None:
        encoding = detect_encoding(data)
    else:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise InvalidInput.single(
                "encoding", "UNKNOWN_ENCODING", f"no encoding {encoding!r}"
            ) from exc
        if not _decodes(data, encoding):
            raise _bad("WRONG_ENCODING", f"the file is not {encoding} text")
    text = io.TextIOWrapper(data, encoding=encoding, newline="")
    sample = text.read(64 * 1024)
    text.seek(0)
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text, dialect)
    try:
        headers = next(reader)
    except StopIteration:
        raise _bad("EMPTY_FILE", "the file has no header row") from None
    except csv.Error as exc:
        raise _bad("INVALID_CSV", f"the header row cannot be read: {exc}") from exc

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield reader.line_num, cells
        except csv.Error as exc:
            raise _bad("INVALID_CSV", f"line {reader.line_num}: {exc}") from exc

    return Table(headers=[h.strip() for h in headers], rows=rows(), encoding=encoding)


@contextmanager
def _xlsx(data: IO[bytes]) -> Iterator[Table]:
    try:
        book = openpyxl.load_workbook(data, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _bad("INVALID_XLSX", "the file is not a readable XLSX workbook") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            headers = ["" if value is None else str(value).strip() for value in next(rows)]
        except StopIteration:
            raise _bad("EMPTY_FILE", "the first sheet has no header row") from None
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise _bad("INVALID_XLSX", "the first sheet cannot be read") from exc

        def numbered() -> Iterator[tuple[int, list[Any]]]:
            try:
                for number, cells in enumerate(rows, start=2):
                    if any(cell is not None and str(cell).strip() for cell in cells):
                        yield number, list(cells)
            except (zipfile.BadZipFile, KeyError, ValueError) as exc:
                raise _bad("INVALID_XLSX", "the sheet cannot be read to its end") from exc

        estimate = (
            sheet.max_row - 1 if isinstance(sheet.max_row, int) and sheet.max_row > 0 else None
        )
        yield Table(headers=headers, rows=numbered(), rows_estimate=estimate)
    finally:
        book.close()
