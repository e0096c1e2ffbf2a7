"""Satisfaction surveys (回访): a signed, expiring, single-use link per resolved ticket, answered
without signing in (tokens.py: the link; service.py: sending and answering). docs/service-levels.md
tells users how it behaves."""
