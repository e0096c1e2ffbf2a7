"""Satisfaction surveys: the public page `/surveys/<token>` (no sign-in) and the survey shown on
tickets, with the mutation that sends a new one."""
