"""GraphQL surface of routing facts: members' away dates and skills."""
