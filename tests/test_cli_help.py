"""`scls --help` lists every command without importing what the commands need, and each
command, loaded when it runs, carries the line it is listed with."""

from __future__ import annotations

import subprocess
import sys

import typer
from typer.testing import CliRunner

from scls.cli import COMMANDS, app

_LIST_AND_REPORT_IMPORTS = """
import sys
from typer.testing import CliRunner
from scls.cli import app
result = CliRunner().invoke(app, ["--help"], terminal_width=200)
print(result.output)
heavy = ("temporalio", "asyncpg", "domain", "store")
print("imported:", sorted(m for m in heavy if m in sys.modules))
"""


def test_the_help_lists_every_command_and_imports_none_of_them() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", _LIST_AND_REPORT_IMPORTS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name, entry in COMMANDS.items():
        assert f" {name} " in shown, name
        assert entry.summary.split()[0] in shown
    assert "imported: []" in shown


def test_each_command_loads_with_its_listed_line() -> None:
    group = typer.main.get_group(app)
    context = typer.Context(group)
    for name, entry in COMMANDS.items():
        command = group.get_command(context, name)
        assert command is not None, name
        assert command.get_short_help_str(limit=500) == entry.summary, name


def test_an_unknown_command_is_named_in_the_error() -> None:
    result = CliRunner().invoke(app, ["taks"])
    assert result.exit_code == 2
    assert "No such command 'taks'" in result.output
