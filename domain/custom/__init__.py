"""Tenant-defined objects and fields (the form engine): metadata, value types and records.

The standard record writes check and store custom fields through `standard.StandardCustomFields`,
and the field rules hide the fields computed from hidden ones through `derived.hidden_with_derived`;
the composition root plugs both in (tessera/domain_wiring.py). Importing this package plugs nothing."""
