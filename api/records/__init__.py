"""GraphQL pieces shared by every record type: filter operators, ordering, ids, connections."""
