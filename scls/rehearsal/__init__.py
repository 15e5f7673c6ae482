"""`scls rehearse`: a cohort's programme on the live stack, in a Temporal namespace and a
database of its own, with simulated people answering through the console's Updates."""
