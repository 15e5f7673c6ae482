"""scls: the command line, settings, logging and embedded stack of the Social Care Leaders Scheme engine."""
