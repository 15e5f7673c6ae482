"""The participant aggregate: events, commands, the state folded from events (evolve),
the decider (decide) and the timetable (due, next_wakeup)."""
