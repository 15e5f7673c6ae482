"""Expected failures end a command with a clean red message on stderr and exit code 2.

Expected means the user can act on it: a wrong setting, a busy port, an unreachable
server, a pending migration. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import typer

from scls.cli.output import console
from scls.payload_keys import PayloadKeyError
from scls.settings import SettingsError
from scls.stack.errors import StackError

EXIT_EXPECTED_ERROR = 2

P = ParamSpec("P")
R = TypeVar("R")

stderr = console(stderr=True)


class DatabaseUnavailable(Exception):
    """Postgres could not be reached at the configured URL."""


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Looked up when a command fails: a command that never talks to Temporal does not
    import its client to start."""
    from scls.temporal import TemporalConnectionError

    errors: list[type[BaseException]] = [
        SettingsError,
        StackError,
        TemporalConnectionError,
        DatabaseUnavailable,
        PayloadKeyError,
    ]
    try:
        from store.migrate import MigrationError
    except ImportError:  # the store is optional for `scls settings`
        pass
    else:
        errors.append(MigrationError)
    return tuple(errors)


def fail(message: str) -> NoReturn:
    stderr.print(f"[red]error:[/red] {message}", markup=True, soft_wrap=True)
    raise typer.Exit(EXIT_EXPECTED_ERROR)


def expected_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command so expected errors print a message instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except _expected_errors() as error:
            fail(_escape(str(error)))

    return wrapper


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
