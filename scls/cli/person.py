"""`scls person export` and `scls person forget`: a subject-access request and an erasure
request (docs/data-protection.md)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.cli.tasks import migrated_database, refused
from scls.settings import Settings

if TYPE_CHECKING:
    from domain.data_protection.events import PersonForgotten

person = typer.Typer(no_args_is_help=True)


@person.command("export")
@expected_errors
def export_command(
    person_id: Annotated[str, typer.Argument(metavar="PERSON", help="The person's id.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="The ZIP to write (default: PERSON.zip).")
    ] = None,
) -> None:
    """Everything held about PERSON, as a ZIP of JSON with the files of their record."""
    target = out or Path(f"{person_id}.zip")
    data = asyncio.run(_export(settings_and_logging(), person_id))
    if str(target) == "-":
        sys.stdout.buffer.write(data)
        return
    try:
        target.write_bytes(data)
    except OSError as error:
        fail(f"cannot write {target}: {error.strerror or error}")
    console(stderr=True).print(f"wrote {target} ({len(data)} bytes)")


async def _export(settings: Settings, person_id: str) -> bytes:
    from scls.documents import document_store
    from scls.person_export import export_zip
    from store.person_record import person_record

    async with migrated_database(settings) as pool:
        record = await person_record(pool, person_id)
        if record is None:
            fail(f"nothing is held about {person_id}: no directory entry and no event names them")
        at = datetime.now(UTC).isoformat(timespec="seconds")
        return await export_zip(record, document_store(settings), at)


@person.command("forget")
@expected_errors
def forget_command(
    person_id: Annotated[str, typer.Argument(metavar="PERSON", help="The participant's id.")],
    reason: Annotated[
        str, typer.Option("--reason", help="The ground for erasure (no personal detail).")
    ],
    by: Annotated[str, typer.Option("--by", help="The ops person who forgets them.")],
) -> None:
    """Forget a participant who has left: their key deleted, so their personal content
    reads as erased, their files, mail bodies, sign-ins and name cleared; refused, with the
    reason, for anyone still on the programme."""
    from domain.errors import ForgettingRefused

    if not reason.strip():
        fail("--reason must say why they are forgotten")
    try:
        forgotten = asyncio.run(_forget(settings_and_logging(), person_id, reason.strip(), by))
    except ForgettingRefused as refusal:
        refused(str(refusal))
    console().print(
        f"forgot {person_id}: {forgotten.events_with_personal_content} events on "
        f"{forgotten.streams} streams now read as erased; {forgotten.documents_deleted} "
        f"files deleted, {forgotten.mail_bodies_cleared} mail bodies and "
        f"{forgotten.sign_ins_deleted} sign-ins cleared; read models rebuilt"
    )


async def _forget(settings: Settings, person_id: str, reason: str, by: str) -> PersonForgotten:
    from domain.roles import Role
    from scls.documents import document_store
    from store.directory import person as person_in_directory
    from store.erasure import deleting_from, forget_on
    from store.read_models import PROJECTIONS

    async with migrated_database(settings) as pool:
        ops = await person_in_directory(pool, by)
        if ops is None:
            fail(f"--by {by} is not in the people directory")
        if Role.OPS not in ops.roles:
            refused(f"{by} is not ops: only ops forget someone")
        async with pool.acquire() as connection:
            return await forget_on(
                connection,
                PROJECTIONS,
                person_id,
                reason=reason,
                by=by,
                at=datetime.now(UTC),
                delete_documents=deleting_from(document_store(settings)),
            )
