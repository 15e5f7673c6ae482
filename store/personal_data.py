"""Personal content at rest: sealed with its data subject's key when an event is appended,
opened when it is read, and read as ERASED once the key is deleted (crypto-shredding).

Which fields are personal, and whose they are, is the domain's to say
(domain.data_protection). Keys are 256-bit AES-GCM keys, one per subject, in
`subject_keys`; a sealed field is the string `pd1:` + base64(nonce || ciphertext), with
the subject bound in as associated data, so the event's JSON keeps its shape and types.
Content written before this existed is plaintext and stays readable as it is: forgetting
cannot reach it (docs/data-protection.md).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contracts.event_log import NewEvent, StoredEvent
from domain.data_protection.personal import ERASED, PersonalFields
from domain.data_protection.subjects import PERSONAL_FIELDS, subject_of
from store.pool import Connection

SEALED = "pd1:"
_NONCE_BYTES = 12

# A subject's key, or None once they are forgotten.
Keys = Mapping[str, bytes | None]


def _associated_data(subject: str) -> bytes:
    return b"scls-personal:" + subject.encode()


def _transformed(value: Any, fields: PersonalFields, text: Callable[[str], str]) -> Any:
    """`value` (an event's JSON, or a part of it) with `text` applied to its personal strings."""
    if isinstance(value, list):
        return [_transformed(item, fields, text) for item in value]
    if not isinstance(value, dict):
        return value
    result = dict(value)
    for name, inner in fields.items():
        held = result.get(name)
        if inner is True:
            if isinstance(held, str):
                result[name] = text(held)
        elif held is not None:
            result[name] = _transformed(held, inner, text)
    return result


def _sealer(subject: str, key: bytes | None) -> Callable[[str], str]:
    if key is None:
        return lambda _: ERASED
    cipher = AESGCM(key)

    def seal(text: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = cipher.encrypt(nonce, text.encode(), _associated_data(subject))
        return SEALED + base64.b64encode(nonce + sealed).decode()

    return seal


def _opener(subject: str, key: bytes | None) -> Callable[[str], str]:
    cipher = AESGCM(key) if key is not None else None

    def open_(text: str) -> str:
        if not text.startswith(SEALED):
            return text  # written before sealing, or erased when it was written
        if cipher is None:
            return ERASED
        raw = base64.b64decode(text.removeprefix(SEALED))
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        return cipher.decrypt(nonce, sealed, _associated_data(subject)).decode()

    return open_


async def _key_for_writing(connection: Connection, subject: str) -> bytes | None:
    """The subject's key, made on their first personal content; None once forgotten."""
    for _ in range(2):
        row = await connection.fetchrow(
            """
            WITH made AS (
                INSERT INTO subject_keys (subject, key) VALUES ($1, $2)
                ON CONFLICT (subject) DO NOTHING RETURNING key
            )
            SELECT key FROM made UNION ALL SELECT key FROM subject_keys WHERE subject = $1
            LIMIT 1
            """,
            subject,
            AESGCM.generate_key(bit_length=256),
        )
        # None: a concurrent first append made the key after this statement began.
        if row is not None:
            return row["key"]  # type: ignore[no-any-return]
    raise RuntimeError(f"no key could be made or found for data subject {subject}")


async def sealed_data(
    connection: Connection, stream: str, events: Sequence[NewEvent]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each event's data as it is stored (its personal content sealed with the key of the
    stream's subject) and as it reads back: as written, or ERASED once the subject has
    been forgotten, so no read model keeps what the record cannot show."""
    subject = subject_of(stream)
    written = [event.data for event in events]
    personal = [PERSONAL_FIELDS.get(event.type) for event in events]
    if subject is None or not any(personal):
        return written, written
    key = await _key_for_writing(connection, subject)
    seal = _sealer(subject, key)
    stored = [
        _transformed(data, fields, seal) if fields else data
        for data, fields in zip(written, personal, strict=True)
    ]
    return stored, written if key is not None else stored


async def subject_keys(connection: asyncpg.Pool | Connection, subjects: Collection[str]) -> Keys:
    """The keys of `subjects`: None for a subject forgotten or never given one."""
    rows = await connection.fetch(
        "SELECT subject, key FROM subject_keys WHERE subject = ANY($1::text[])", list(subjects)
    )
    found: dict[str, bytes | None] = {row["subject"]: row["key"] for row in rows}
    return {subject: found.get(subject) for subject in subjects}


def opened_data(keys: Keys, stream: str, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event's data as written, from its stored form and its subject's key (in `keys`)."""
    subject = subject_of(stream)
    fields = PERSONAL_FIELDS.get(type_)
    if subject is None or not fields:
        return data
    return _transformed(data, fields, _opener(subject, keys.get(subject)))  # type: ignore[no-any-return]


def subjects_of(streams: Collection[str]) -> set[str]:
    return {subject for stream in streams if (subject := subject_of(stream)) is not None}


async def opened(
    connection: asyncpg.Pool | Connection, events: Sequence[StoredEvent]
) -> list[StoredEvent]:
    """Stored events as written: personal content opened, or ERASED where the key is gone."""
    wanted = subjects_of({event.stream for event in events if event.type in PERSONAL_FIELDS})
    if not wanted:
        return list(events)
    keys = await subject_keys(connection, wanted)
    return [
        event.model_copy(update={"data": opened_data(keys, event.stream, event.type, event.data)})
        for event in events
    ]


async def forget_key(connection: Connection, subject: str, at: datetime) -> bool:
    """Delete the subject's key; False when there was none to delete. A row stays, keyless,
    so what is appended for them later is stored as erased."""
    deleted = await connection.fetchval(
        """
        INSERT INTO subject_keys AS k (subject, key, erased_at) VALUES ($1, NULL, $2)
        ON CONFLICT (subject) DO UPDATE SET key = NULL, erased_at = $2
            WHERE k.key IS NOT NULL
        RETURNING (xmax <> 0)
        """,
        subject,
        at,
    )
    return bool(deleted)
