"""Everything held about one person, for a subject-access request: their directory entry,
the events of their record and those they caused on anyone else's (personal content
opened), the read models' rows about them, mail sent to them and their console sign-ins.

Each part is one indexed query, so an export answers in seconds while the engine runs.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from pydantic import BaseModel

from contracts.event_log import StoredEvent
from domain.documents import DocumentRef
from store.erasure import streams_of
from store.personal_data import opened
from store.pool import Connection

_EVENT_COLUMNS = "stream, version, event_id, type, data, metadata, recorded_at, position"


class PersonRecord(BaseModel):
    person_id: str
    directory: list[dict[str, Any]]
    events: list[StoredEvent]  # their record first, then what they did on others', in order
    tasks: list[dict[str, Any]]  # open tasks for them or on their record; decided ones are events
    progress: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    interventions: list[dict[str, Any]]
    alumni: list[dict[str, Any]]
    mail: list[dict[str, Any]]
    sign_ins: list[dict[str, Any]]

    def documents(self) -> list[DocumentRef]:
        """The files their events name, once each."""
        found: dict[str, DocumentRef] = {}
        for event in self.events:
            for document in event.data.get("documents") or ():
                ref = DocumentRef.model_validate(document)
                found.setdefault(ref.sha256, ref)
        return list(found.values())


async def _rows(
    connection: asyncpg.Pool | Connection, sql: str, *args: object
) -> list[dict[str, Any]]:
    return [dict(row) for row in await connection.fetch(sql, *args)]


async def person_record(
    connection: asyncpg.Pool | Connection, person_id: str
) -> PersonRecord | None:
    """What is held about `person_id`, or None when nothing names them."""
    directory = await _rows(
        connection,
        "SELECT person_id, display_name, email, roles, home_id, provider_id, mail, updated_at "
        "FROM people WHERE person_id = $1",
        person_id,
    )
    streams = await streams_of(connection, person_id)
    rows = await connection.fetch(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE stream = ANY($1::text[]) "
        f"UNION SELECT {_EVENT_COLUMNS} FROM events WHERE metadata->>'actor' = $2 "
        "ORDER BY position",
        streams,
        person_id,
    )
    if not directory and not rows:
        return None
    events = await opened(connection, [StoredEvent.model_validate(dict(row)) for row in rows])
    own = set(streams)
    return PersonRecord(
        person_id=person_id,
        directory=directory,
        events=sorted(events, key=lambda e: (e.stream not in own, e.position)),
        tasks=await _rows(
            connection,
            "SELECT * FROM task_inbox WHERE assignee = $1 "
            "UNION SELECT * FROM task_inbox WHERE participant_id = $1 "
            "ORDER BY participant_id, task_id",
            person_id,
        ),
        progress=await _rows(
            connection, "SELECT * FROM participant_progress WHERE participant_id = $1", person_id
        ),
        sessions=await _rows(
            connection, "SELECT * FROM session_cadence WHERE participant_id = $1", person_id
        ),
        interventions=await _rows(
            connection,
            "SELECT * FROM intervention_case WHERE participant_id = $1 ORDER BY case_number",
            person_id,
        ),
        alumni=await _rows(
            connection, "SELECT * FROM alumni_record WHERE person_id = $1", person_id
        ),
        mail=await _rows(
            connection,
            "SELECT idempotency_key, email, subject, body, workflow_id, created_at, sent_at "
            "FROM outbox WHERE recipient = $1 ORDER BY created_at",
            person_id,
        ),
        sign_ins=await _rows(
            connection,
            "SELECT 'session' AS kind, created_at, expires_at, NULL::timestamptz AS used_at "
            "FROM web_sessions WHERE person_id = $1 "
            "UNION ALL SELECT 'sign-in link', created_at, expires_at, used_at "
            "FROM web_sign_in_links WHERE person_id = $1 ORDER BY 2",
            person_id,
        ),
    )
