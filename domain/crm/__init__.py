"""The CRM's standard objects: teams, customers, contacts, tags (leads, opportunities, tickets and
activities follow the same pattern)."""
