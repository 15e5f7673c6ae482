"""The one exception type of the embedded stack: something the user can fix, said plainly."""

from __future__ import annotations


class StackError(Exception):
    """A part of the embedded stack cannot start or stop; the message says what to do."""
