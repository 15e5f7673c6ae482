"""`scls cqc import FILE`: CQC's ratings of care locations, from the care directory file
CQC publishes (domain/cqc.py says which columns), into the ratings history."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors
from scls.cli.output import console
from scls.cli.tasks import migrated_database, refused
from scls.settings import Settings

cqc = typer.Typer(no_args_is_help=True)


@cqc.command("import")
@expected_errors
def import_command(
    file: Annotated[Path, typer.Argument(help="CQC's care directory file (CSV, UTF-8).")],
) -> None:
    """Add the file's ratings to each location's history, all or nothing; every problem is
    reported with its row and field, and then nothing is imported."""
    from domain.cqc import read_cqc_file
    from domain.errors import InvalidCqcFile

    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise typer.BadParameter(f"cannot read {file}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise typer.BadParameter(
            f"{file} is not UTF-8: save it as CSV UTF-8 (Comma delimited)"
        ) from None
    try:
        ratings = read_cqc_file(text)
    except InvalidCqcFile as problems:
        refused(f"{file}: {problems}")
    added = asyncio.run(_import(settings_and_logging(), ratings))
    locations = len({r.location_id for r in ratings})
    console().print(
        f"{len(ratings)} ratings of {locations} locations read; {added} new, "
        f"{len(ratings) - added} already on record"
    )


async def _import(settings: Settings, ratings: list) -> int:  # type: ignore[type-arg]
    from store.cqc import import_ratings

    async with migrated_database(settings) as pool:
        return await import_ratings(pool, ratings)
