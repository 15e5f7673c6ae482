"""`scls settings`: the effective settings, as the engine sees them, with secrets masked."""

from __future__ import annotations

import re

import typer
from pydantic import SecretStr
from rich.table import Table

from scls.cli.errors import expected_errors
from scls.cli.output import console
from scls.settings import ENV_PREFIX, load_settings

_PASSWORD_IN_URL = re.compile(r"(://[^:/@]+:)[^@]*(@)")


def _shown(value: object) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, SecretStr):
        return "********"
    text = str(value)
    return _PASSWORD_IN_URL.sub(r"\1********\2", text)


@expected_errors
def settings() -> None:
    """Print the effective settings (environment over scls.toml), secrets masked."""
    current = load_settings()
    table = Table("variable", "value", box=None)
    for name in type(current).model_fields:
        table.add_row(f"{ENV_PREFIX}{name.upper()}", _shown(getattr(current, name)))
    console().print(table)
    raise typer.Exit(0)
