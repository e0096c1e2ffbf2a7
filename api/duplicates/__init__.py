"""Duplicate rules (admins), duplicate candidates, merging records."""
