"""Approval processes: definitions (processes and their steps), requests and their decisions,
record locks while pending, delegation, and step timeouts fired by `tessera scheduler`."""
