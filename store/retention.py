"""One run of the retention policy, in one transaction: participants who left more than
the policy's years ago forgotten (as `scls person forget` does), mail bodies and console
sign-ins past their periods cleared, and the run recorded with what it did."""

from __future__ import annotations

from datetime import datetime

from domain.data_protection.events import RetentionApplied
from domain.data_protection.personal import ERASED
from domain.data_protection.retention import RetentionPolicy, due_to_be_forgotten
from domain.participant.state import ParticipantState
from store.erasure import DeleteDocuments, erase, one_at_a_time, record
from store.pool import Connection
from store.projections import Projections

SYSTEM = "system"


async def _due(connection: Connection, policy: RetentionPolicy, now: datetime) -> list[str]:
    """Participants who have left, are not yet forgotten, and are past the period."""
    rows = await connection.fetch(
        "SELECT participant_id, state FROM participant_progress p "
        "WHERE status IN ('completed', 'withdrawn') AND NOT EXISTS ("
        "SELECT FROM subject_keys k WHERE k.subject = p.participant_id AND k.key IS NULL) "
        "ORDER BY participant_id"
    )
    return [
        row["participant_id"]
        for row in rows
        if due_to_be_forgotten(ParticipantState.model_validate(row["state"]), policy, now)
    ]


async def apply_retention_on(
    connection: Connection,
    projections: Projections,
    policy: RetentionPolicy,
    now: datetime,
    delete_documents: DeleteDocuments,
) -> RetentionApplied:
    async with connection.transaction():
        await one_at_a_time(connection)
        due = await _due(connection, policy, now)
        documents: list[str] = []
        streams: list[str] = []
        reason = f"retention policy: {policy.participant_years} years after leaving"
        for person_id in due:
            erased = await erase(connection, person_id, now)
            forgotten = erased.recorded(person_id, reason=reason, by=SYSTEM, at=now)
            await record(connection, projections, forgotten, actor=SYSTEM)
            documents += erased.documents
            streams += erased.streams
        mail = await connection.fetchval(
            "WITH cleared AS (UPDATE outbox SET body = $2 WHERE created_at < $1 AND body <> $2 "
            "RETURNING 1) SELECT count(*) FROM cleared",
            policy.mail_body_cut_off(now),
            ERASED,
        )
        sign_ins = await connection.fetchval(
            "WITH s AS (DELETE FROM web_sessions WHERE created_at < $1 RETURNING 1), "
            "l AS (DELETE FROM web_sign_in_links WHERE created_at < $1 RETURNING 1), "
            "f AS (DELETE FROM web_sign_in_failures WHERE failed_at < $1 RETURNING 1) "
            "SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM l) + (SELECT count(*) FROM f)",
            policy.sign_in_cut_off(now),
        )
        applied = RetentionApplied(
            forgotten=tuple(due), mail_bodies_cleared=mail, sign_ins_deleted=sign_ins, at=now
        )
        await record(connection, projections, applied, actor=SYSTEM)
        await projections.rebuild_streams(connection, streams)
        await delete_documents(documents)
        return applied
