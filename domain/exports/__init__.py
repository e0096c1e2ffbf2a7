"""Exports of lists of records to CSV and XLSX files, as jobs."""
