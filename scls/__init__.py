"""scls: the command line, settings, logging and embedded stack of the scheme's engine."""
