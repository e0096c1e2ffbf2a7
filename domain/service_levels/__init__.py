"""Service levels: SLA policies (policies.py), each ticket's clock (clocks.py, with its due times
computed in deadlines.py and its status in status.py), the timers the scheduler fires
(timers.py, firing.py) and escalation levels (escalations.py). docs/service-levels.md tells users
how it behaves."""
