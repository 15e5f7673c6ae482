"""`scls alumni register-rm`: ops record that an alumnus registered with CQC as a
Registered Manager, through their alumni workflow (`alumni-<person>`), whose rules check
the date. Exit codes as for `scls tasks`: 0 done, 1 refused, 2 a usage problem or an
alumnus with no alumni record running.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from domain.roles import Role
from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors, fail
from scls.cli.tasks import TimeoutOption, migrated_database, refused, run_updating, stdout
from scls.participant_updates import UPDATE_TIMEOUT, update_alumni
from scls.settings import Settings

alumni = typer.Typer(no_args_is_help=True)


@alumni.command("register-rm")
@expected_errors
def register_rm_command(
    person: Annotated[str, typer.Argument(help="The alumnus (their participant id).")],
    since: Annotated[str, typer.Option(help="The date CQC registered them as Registered Manager.")],
    by: Annotated[str, typer.Option(help="Who records it: ops, or the alumnus (a person id).")],
    location: Annotated[
        str | None, typer.Option(help="The CQC location id of the service they manage.")
    ] = None,
    timeout: TimeoutOption = UPDATE_TIMEOUT,
) -> None:
    """Record an alumnus' registration with CQC as a Registered Manager, with its date."""
    from domain.alumni.record import RecordRmRegistration
    from workflows.alumni import AlumniWorkflow, RmRegistration

    try:
        registered_on = date.fromisoformat(since)
    except ValueError:
        fail(f"--since {since!r} is not a date (2031-04-01)")
    by_ops = asyncio.run(_is_ops(settings_and_logging(), by))
    registration = RmRegistration(
        command=RecordRmRegistration(
            by=by, registered_on=registered_on, service_location_id=location
        ),
        by_ops=by_ops,
    )
    record = run_updating(
        lambda client: update_alumni(
            client, person, AlumniWorkflow.record_rm_registration, registration, timeout
        )
    )
    recorded = record.rm_registration
    assert recorded is not None  # the Update's reply: the record with it
    where = f" at {recorded.service_location_id}" if recorded.service_location_id else ""
    stdout.print(
        escape(
            f"{person}: registered with CQC as Registered Manager on "
            f"{recorded.registered_on.isoformat()}{where}"
        )
    )


async def _is_ops(settings: Settings, by: str) -> bool:
    """Whether the directory knows `by` as ops staff; someone it does not know is refused."""
    from store.directory import person

    async with migrated_database(settings) as pool:
        found = await person(pool, by)
    if found is None:
        refused(f"{by} is not in the people directory")
    return Role.OPS in found.roles
