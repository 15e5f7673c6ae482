"""The cohort aggregate: its definition and opening, events and state, intake from a
cohort file, and the status and success-measures report."""
