"""`scls programme preview --to VERSION [--cohort C]`: what a programme change would do to
each running participant, before it is made. Each participant's events are read from the
record and folded again, and the domain says what the change would add, remove, retitle
or move in the phases ahead, or why it would be refused (domain/participant/
programme_preview.py). Nothing is changed; `participant change-programme` prints the same
preview and asks before it acts.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from scls.cli.cohort import unknown_cohort
from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.cli.tasks import migrated_database
from scls.settings import Settings

if TYPE_CHECKING:
    from domain.participant.programme_preview import ProgrammePreview

programme = typer.Typer(no_args_is_help=True)

stdout = console()


@programme.command("preview")
@expected_errors
def preview_command(
    to_version: Annotated[str, typer.Option("--to", help="The programme version, e.g. 2025.1.")],
    cohort_id: Annotated[
        str | None, typer.Option("--cohort", help="Only this cohort's participants.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON, for scripts.")] = False,
) -> None:
    """What moving running participants onto another programme version would change for
    each of them (tasks added or removed, dates moved, or refused and why), changing
    nothing."""
    from domain.errors import UnknownProgrammeVersion
    from domain.programme.definition import get_programme

    try:
        get_programme(to_version)
    except UnknownProgrammeVersion as unknown:
        fail(escape(str(unknown)))
    settings = settings_and_logging()
    chosen = asyncio.run(running_participants(settings, cohort_id))
    if not chosen:
        fail(
            "no participant is on the programme" + (f" in cohort {cohort_id}" if cohort_id else "")
        )
    print_previews(asyncio.run(previews(settings, chosen, to_version)), as_json)


async def running_participants(settings: Settings, cohort_id: str | None) -> list[str]:
    """Everyone still on the programme, in the cohort or in all of them."""
    from store.cohorts import participant_states

    async with migrated_database(settings) as pool:
        states = await participant_states(pool, cohort_id)
    if cohort_id is not None and not states:
        unknown_cohort(cohort_id)
    return [state.participant_id for state in states if not state.has_left]


async def previews(
    settings: Settings, participant_ids: list[str], to_version: str
) -> list[ProgrammePreview]:
    """Each participant's events folded again, and the change previewed on the result."""
    from domain.ids import participant_workflow_id
    from domain.participant.events import parse_participant_event
    from domain.participant.evolve import fold
    from domain.participant.programme_preview import preview_programme_change
    from store.events import read_stream

    now = datetime.now(UTC)
    shown = []
    async with migrated_database(settings) as pool:
        for participant_id in participant_ids:
            stored = await read_stream(pool, participant_workflow_id(participant_id))
            if not stored:
                fail(f"no participant {participant_id} is on record")
            state = fold((parse_participant_event(e.data) for e in stored), participant_id)
            shown.append(preview_programme_change(state, to_version, now))
    return shown


def print_previews(shown: list[ProgrammePreview], as_json: bool = False) -> None:
    if as_json:
        typer.echo(json.dumps([p.model_dump(mode="json") for p in shown], indent=2))
        return
    for preview in shown:
        phase = preview.phase.label if preview.phase else "not enrolled"
        stdout.print(
            escape(
                f"{preview.participant_id} ({phase}, {preview.from_version} -> "
                f"{preview.to_version})"
            )
        )
        for line in preview.lines():
            stdout.print(escape(f"  {line}"))
    refused = sum(1 for p in shown if p.refused is not None)
    changed = sum(1 for p in shown if p.refused is None and not p.unchanged)
    stdout.print(
        f"{len(shown)} participants: {changed} would change, {refused} would be refused, "
        f"{len(shown) - changed - refused} unchanged"
    )
