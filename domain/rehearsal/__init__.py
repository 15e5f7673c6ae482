"""A rehearsal: a cohort's whole programme run at compressed time with simulated people
answering their tasks, as the policy file says they do, and the report of what happened."""
