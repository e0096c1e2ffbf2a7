"""GraphQL of service levels: SLA policies (admins) and the SLA state shown on every ticket."""
