"""A command group that imports a command's module only when that command runs.

`scls --help` lists every command from its one-line summary, without importing Temporal's
client, the domain models or the database code behind them; `scls tasks list` imports the
tasks commands and what they need, nothing else.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Lazy:
    """A command by where it lives ("module:attribute", a typer.Typer or a function) and
    the line that lists it."""

    target: str
    summary: str

    def load(self, name: str) -> Any:
        module, attribute = self.target.split(":")
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            group = typer.main.get_group(found)
            group.name, group.help = name, self.summary
            return group
        alone = typer.Typer()
        alone.command(name)(found)
        command = typer.main.get_command(alone)
        command.short_help = self.summary
        return command


class LazyGroup(TyperGroup):
    """A typer group whose commands are the `lazy` entries of a subclass, each loaded the
    first time it is asked for."""

    lazy: ClassVar[Mapping[str, Lazy]] = {}

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**attributes)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.lazy)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = self.lazy.get(cmd_name)
        if entry is None:
            return None
        if self._listing:  # the help page needs the name and the line, not the command
            return TyperCommand(cmd_name, short_help=entry.summary)
        if cmd_name not in self.commands:
            self.add_command(entry.load(cmd_name), cmd_name)
        return self.commands[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
