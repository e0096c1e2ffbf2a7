"""GraphQL surface of the CRM: one module per object (its type, inputs, list and mutations), merged in schema.py."""
