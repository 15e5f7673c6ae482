"""The intervention case: the kinds of concern, the outcomes, and the case file the
Development Lead and ops deliberate on."""
