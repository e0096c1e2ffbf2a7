"""CRM area: teams, customers, contacts, tags, and each record's history."""
