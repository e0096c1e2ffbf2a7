"""Tests of the record kernel (api/records): relations, loaders."""
