"""The report engine's GraphQL surface: `aggregate` over any object, and the standard analytics."""
