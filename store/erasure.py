"""Forgetting a participant: their key deleted, and every copy of their personal content
outside the event log cleared, in one transaction that also records what was done.

The events stay as they are (same count, same versions); their personal fields read as
erased from then on. The copies: what the read models keep of the participant's streams
(replayed from the log), mail bodies to them or about them in the outbox, their console
sign-ins and password, their name and email in the directory, and their files in the
document store (through `delete_documents`, called last, so a failure there undoes the
rest and the request can simply be made again). A file someone else's record also names
is kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import asyncpg

from contracts.event_log import EventMetadata, NewEvent
from domain.data_protection.events import (
    DATA_PROTECTION_STREAM,
    PersonForgotten,
    RetentionApplied,
)
from domain.data_protection.personal import ERASED
from domain.data_protection.retention import refuse_forgetting
from domain.data_protection.subjects import PERSONAL_FIELDS
from domain.ids import alumni_workflow_id, intervention_workflow_id, participant_workflow_id
from store.events import append_on
from store.participant_progress import PARTICIPANT_PROGRESS
from store.personal_data import forget_key
from store.pool import Connection
from store.projections import Projections

DeleteDocuments = Callable[[Sequence[str]], Awaitable[None]]


class DocumentStore(Protocol):
    async def delete(self, sha256: str) -> None: ...


def deleting_from(documents: DocumentStore) -> DeleteDocuments:
    """Delete each file from the document store (scls/documents.py), one by one."""

    async def delete(hashes: Sequence[str]) -> None:
        for sha256 in hashes:
            await documents.delete(sha256)

    return delete


async def streams_of(connection: asyncpg.Pool | Connection, person_id: str) -> list[str]:
    """The streams whose subject is `person_id`: their own, their intervention case files
    (their state numbers them), their alumni record; those on record."""
    state = await PARTICIPANT_PROGRESS.load(connection, person_id)
    candidates = [
        participant_workflow_id(person_id),
        *(
            intervention_workflow_id(person_id, case)
            for case in (state.interventions if state else ())
        ),
        alumni_workflow_id(person_id),
    ]
    rows = await connection.fetch(
        "SELECT s FROM unnest($1::text[]) AS s WHERE EXISTS (SELECT FROM events WHERE stream = s)",
        candidates,
    )
    return sorted(row["s"] for row in rows)


async def _documents_only_theirs(connection: Connection, streams: list[str]) -> list[str]:
    """The SHA-256 of each file their events name that no other stream's events name."""
    theirs = await connection.fetch(
        "SELECT DISTINCT d->>'sha256' AS sha256 "
        "FROM events, jsonb_array_elements(data->'documents') AS d "
        "WHERE stream = ANY($1::text[]) AND jsonb_typeof(data->'documents') = 'array'",
        streams,
    )
    hashes = [row["sha256"] for row in theirs]
    shared = await connection.fetch(
        "SELECT DISTINCT d->>'sha256' AS sha256 "
        "FROM events, jsonb_array_elements(data->'documents') AS d "
        "WHERE stream <> ALL($1::text[]) AND jsonb_typeof(data->'documents') = 'array' "
        "AND d->>'sha256' = ANY($2::text[])",
        streams,
        hashes,
    )
    return sorted(set(hashes) - {row["sha256"] for row in shared})


async def _clear_copies(
    connection: Connection, person_id: str, streams: list[str]
) -> tuple[int, int]:
    """Mail bodies to or about them, their sign-ins, password and directory entry:
    (mail bodies cleared, sign-ins deleted)."""
    mail = await connection.fetchval(
        "WITH cleared AS (UPDATE outbox SET subject = $3, body = $3, "
        "email = CASE WHEN recipient = $1 THEN $3 ELSE email END "
        "WHERE (recipient = $1 OR workflow_id = ANY($2::text[])) AND body <> $3 RETURNING 1) "
        "SELECT count(*) FROM cleared",
        person_id,
        streams,
        ERASED,
    )
    sign_ins = await connection.fetchval(
        "WITH s AS (DELETE FROM web_sessions WHERE person_id = $1 RETURNING 1), "
        "l AS (DELETE FROM web_sign_in_links WHERE person_id = $1 RETURNING 1) "
        "SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM l)",
        person_id,
    )
    await connection.execute("DELETE FROM web_passwords WHERE person_id = $1", person_id)
    await connection.execute(
        "UPDATE people SET display_name = $2, email = $1 || '@erased.invalid', "
        "updated_at = now() WHERE person_id = $1",
        person_id,
        ERASED,
    )
    return mail, sign_ins


@dataclass(frozen=True)
class Erased:
    """What erasing one participant did; `documents` are still to be deleted."""

    streams: list[str]
    events_with_personal_content: int
    mail_bodies_cleared: int
    sign_ins_deleted: int
    documents: list[str]

    def recorded(self, person_id: str, *, reason: str, by: str, at: datetime) -> PersonForgotten:
        return PersonForgotten(
            person_id=person_id,
            reason=reason,
            by=by,
            streams=len(self.streams),
            events_with_personal_content=self.events_with_personal_content,
            mail_bodies_cleared=self.mail_bodies_cleared,
            documents_deleted=len(self.documents),
            sign_ins_deleted=self.sign_ins_deleted,
            at=at,
        )


async def one_at_a_time(connection: Connection) -> None:
    """Hold the data-protection lock to the end of the transaction: one erasure or
    retention run at a time, each recording its event after the last."""
    await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", DATA_PROTECTION_STREAM)


async def erase(connection: Connection, person_id: str, at: datetime) -> Erased:
    """Delete the participant's key and clear the copies; the caller records, rebuilds the
    read models and deletes the documents."""
    streams = await streams_of(connection, person_id)
    personal = await connection.fetchval(
        "SELECT count(*) FROM events WHERE stream = ANY($1::text[]) AND type = ANY($2)",
        streams,
        list(PERSONAL_FIELDS),
    )
    documents = await _documents_only_theirs(connection, streams)
    mail, sign_ins = await _clear_copies(connection, person_id, streams)
    await forget_key(connection, person_id, at)
    return Erased(streams, personal, mail, sign_ins, documents)


async def forget_on(
    connection: Connection,
    projections: Projections,
    person_id: str,
    *,
    reason: str,
    by: str,
    at: datetime,
    delete_documents: DeleteDocuments,
) -> PersonForgotten:
    """Forget a participant who has left, on the caller's connection; ForgettingRefused
    (before anything is changed) when they may not be."""
    async with connection.transaction():
        await one_at_a_time(connection)
        refuse_forgetting(
            person_id,
            await PARTICIPANT_PROGRESS.load(connection, person_id),
            await connection.fetchval(
                "SELECT erased_at FROM subject_keys WHERE subject = $1", person_id
            ),
        )
        erased = await erase(connection, person_id, at)
        forgotten = erased.recorded(person_id, reason=reason, by=by, at=at)
        await record(connection, projections, forgotten, actor=by)
        await projections.rebuild_streams(connection, erased.streams)
        await delete_documents(erased.documents)
        return forgotten


async def record(
    connection: Connection,
    projections: Projections,
    event: PersonForgotten | RetentionApplied,
    *,
    actor: str,
) -> None:
    """Append `event` to the data-protection stream, after whatever it already holds."""
    version = await connection.fetchval(
        "SELECT coalesce(max(version), 0) FROM events WHERE stream = $1", DATA_PROTECTION_STREAM
    )
    await append_on(
        connection,
        projections,
        DATA_PROTECTION_STREAM,
        version,
        [NewEvent.of(event, EventMetadata(actor=actor))],
    )
