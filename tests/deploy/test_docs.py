"""The READMEs name what the code has: the root README's Commands table every `scls`
command once, its Configuration table every setting once; deploy/README.md's sections
numbered in order, its cross-references to sections that exist."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from scls.cli import app
from tests.deploy.test_deploy_files import DEPLOY, settings_names

README = Path(__file__).resolve().parents[2] / "README.md"


def section(text: str, heading: str) -> str:
    """The text under a `## heading`, up to the next heading of any level."""
    after = text.split(f"\n## {heading}\n", 1)[1]
    return re.split(r"\n#{2,3} ", after, maxsplit=1)[0]


def first_cells(table: str) -> list[str]:
    return [
        row.split(" | ")[0].removeprefix("| ")
        for row in table.splitlines()
        if row.startswith("| `")
    ]


def cli_commands(command: Any, words: tuple[str, ...] = ("scls",)) -> list[str]:
    if not isinstance(command, TyperGroup):
        return [" ".join(words)]
    context = typer.Context(command)
    return [
        name
        for sub_name in command.list_commands(context)
        for name in cli_commands(command.get_command(context, sub_name), (*words, sub_name))
    ]


def test_the_commands_table_lists_every_command_once() -> None:
    listed = []
    for cell in first_cells(section(README.read_text(), "Commands")):
        # `scls group cmd ARGS...`, then maybe `other ARGS...` of the same group.
        first, *others = re.findall(r"`([^`]*)`", cell)
        command = re.match(r"[a-z][a-z -]*?(?= [^a-z]|$)", first)
        assert command, cell
        words = command[0].split()
        listed.append(" ".join(words))
        listed += [" ".join([*words[:-1], other.split()[0]]) for other in others]
    commands = cli_commands(typer.main.get_group(app))
    assert [name for name, count in Counter(listed).items() if count > 1] == []
    assert set(commands) - set(listed) == set(), "commands missing from the README"
    assert set(listed) - set(commands) == set(), "the README lists commands that do not exist"


def test_the_configuration_table_lists_every_setting_once() -> None:
    listed = []
    for cell in first_cells(section(README.read_text(), "Configuration")):
        # `SCLS_SMTP_HOST`, `_PORT`, ...: a suffix replaces the first name's last word.
        first, *others = re.findall(r"`([^`]*)`", cell)
        listed.append(first)
        for other in others:
            listed.append(other if other.startswith("SCLS_") else first.rsplit("_", 1)[0] + other)
    assert [name for name, count in Counter(listed).items() if count > 1] == []
    assert settings_names() - set(listed) == set(), "settings missing from the README"
    assert set(listed) - settings_names() == set(), "the README lists settings that do not exist"


def test_the_deploy_readme_numbers_its_sections_in_order_and_refers_to_them() -> None:
    text = (DEPLOY / "README.md").read_text()
    numbers = [int(n) for n in re.findall(r"^## (\d+)\. ", text, re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1))
    referred = {int(n) for n in re.findall(r"\bsections? (\d+)", text)}
    referred |= {int(n) for n in re.findall(r"\bsections \d+ to (\d+)", text)}
    assert referred <= set(numbers)
    assert not re.search(r"\[\d+\]", text), "an issue number, not a section"
