"""Limits on files, set from settings at start-up (tessera/domain_wiring.py); defaults for tools."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FileLimits:
    max_upload_bytes: int = 50 * 1024 * 1024  # a file to import
    max_attachment_bytes: int = 25 * 1024 * 1024  # a file attached to a record
    max_import_rows: int = 200_000  # rows of one import
    max_export_rows: int = 200_000  # rows of one export
    download_link_seconds: int = 3600  # how long a signed download link works


LIMITS = FileLimits()


def configure_file_limits(**values: int) -> None:
    for name, value in values.items():
        if not hasattr(LIMITS, name):
            raise AttributeError(name)
        setattr(LIMITS, name, value)
