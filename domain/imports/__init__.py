"""Imports of CSV and XLSX files into standard records and custom objects' records, as jobs."""
