"""`scls people ...`: the people directory (who the person ids on tasks are).

`load` takes a YAML or JSON file with `providers`, `homes` and `people`; the whole file is
checked (ids unique, every reference resolves) before anything is written, and is then
written in one transaction.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from domain.people import Directory, Person
from domain.roles import Role
from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.cli.tasks import migrated_database
from scls.settings import Settings

people = typer.Typer(no_args_is_help=True)


def _read_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            fail(f"{path} is not valid JSON: {error}")
    import yaml  # YAML is a superset of JSON, so any other suffix is read as YAML

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        fail(f"{path} is not valid YAML: {error}")


def _where(location: tuple[int | str, ...], data: Any) -> str:
    """A readable place in the file: 'people[3] (P-rm-1).email'."""
    parts: list[str] = []
    node = data
    for step in location:
        if isinstance(step, int):
            label = f"[{step}]"
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, dict):
                ids = (node.get(k) for k in ("person_id", "home_id", "provider_id"))
                named = next((i for i in ids if isinstance(i, str)), None)
                if named is not None:
                    label += f" ({named})"
            parts.append(label)
        else:
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(f".{step}" if parts else str(step))
    return "".join(parts) or "the file"


def directory_problems(error: ValidationError, data: Any) -> list[str]:
    problems: list[str] = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        where = _where(tuple(item["loc"]), data)
        if where == "the file":
            problems.extend(part.strip() for part in message.split("; "))
        else:
            problems.append(f"{where}: {message}")
    return problems


def parse_directory(path: Path) -> Directory:
    """The validated directory in `path`; every problem printed and exit 2 otherwise."""
    data = _read_file(path)
    if not isinstance(data, dict):
        fail(f"{path} must hold a mapping with providers, homes and people")
    try:
        return Directory.model_validate(data)
    except ValidationError as error:
        problems = directory_problems(error, data)
        fail(
            f"{path} is not a valid directory; nothing was loaded:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
        )


@people.command("load")
@expected_errors
def load_command(
    file: Annotated[Path, typer.Argument(help="YAML or JSON: providers, homes, people.")],
) -> None:
    """Add or update providers, homes and people from FILE, all or nothing."""
    directory = parse_directory(file)
    result = asyncio.run(_load(settings_and_logging(), directory))
    typer.echo(f"loaded {result.providers} providers, {result.homes} homes, {result.people} people")


async def _load(settings: Settings, directory: Directory) -> Any:
    from store.directory import DirectoryConflict, load_directory

    async with migrated_database(settings) as pool:
        try:
            return await load_directory(pool, directory)
        except DirectoryConflict as conflict:
            fail(f"{conflict}; nothing was loaded")


@people.command("list")
@expected_errors
def list_command(
    role: Annotated[Role | None, typer.Option(help="Only people holding this role.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON, for scripts.")] = False,
) -> None:
    """Everyone in the directory, by name."""
    found = asyncio.run(_people(settings_and_logging(), role))
    if as_json:
        typer.echo(json.dumps([p.model_dump(mode="json") for p in found], indent=2))
        return
    table = Table("id", "name", "email", "roles", "home", "provider", "mail")
    for person in found:
        table.add_row(
            person.person_id,
            person.display_name,
            person.email,
            ", ".join(sorted(person.roles)),
            person.home_id or "",
            person.provider_id or "",
            person.mail.value,
        )
    console().print(table)


async def _people(settings: Settings, role: Role | None) -> list[Person]:
    from store.directory import people as directory_people

    async with migrated_database(settings) as pool:
        return await directory_people(pool, role=role)


@people.command("set-password")
@expected_errors
def set_password_command(
    person: Annotated[str, typer.Argument(help="The person's id.")],
) -> None:
    """Set PERSON's password for the web console: asked at the prompt, or read from stdin.
    Their console sessions end: whoever knew the old password is signed out too."""
    import sys

    from store.web_accounts import WeakPassword, check_password

    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        check_password(password)
    except WeakPassword as weak:
        fail(str(weak))
    ended = asyncio.run(_set_password(settings_and_logging(), person, password))
    typer.echo(f"password set for {person}" + (f"; {ended} session(s) ended" if ended else ""))


async def _set_password(settings: Settings, person: str, password: str) -> int:
    from store.web_accounts import UnknownPerson, set_password
    from store.web_sessions import end_sessions_of

    async with migrated_database(settings) as pool:
        try:
            await set_password(pool, person, password)
        except UnknownPerson as unknown:
            fail(f"{unknown}; load them with `scls people load` first")
        return await end_sessions_of(pool, person)


@people.command("end-sessions")
@expected_errors
def end_sessions_command(
    person: Annotated[str, typer.Argument(help="The person's id.")],
) -> None:
    """End every web console session of PERSON at once (a lost phone, a leaver): each of
    their browsers is sent to sign in again."""
    ended = asyncio.run(_end_sessions(settings_and_logging(), person))
    typer.echo(f"{ended} session{'' if ended == 1 else 's'} of {person} ended")


async def _end_sessions(settings: Settings, person: str) -> int:
    from store.web_sessions import end_sessions_of

    async with migrated_database(settings) as pool:
        return await end_sessions_of(pool, person)
