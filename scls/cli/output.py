"""Where commands print for people: one kind of rich console for stdout and stderr."""

from __future__ import annotations

import sys

from rich.console import Console

# Tables printed into a pipe or a file are laid out this wide: rich would take 80 columns
# and cut ids and task references short with '…', which people then copy into the next
# command. On a terminal they follow its width. Scripts should read --json.
PIPED_WIDTH = 200


def console(*, stderr: bool = False) -> Console:
    """A console on stdout, or on stderr for refusals and errors."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=True,
        width=None if stream.isatty() else PIPED_WIDTH,
    )
