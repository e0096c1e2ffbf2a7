"""Composition root: settings, logging, CLI and the wiring of api, workers, domain and tenants."""
