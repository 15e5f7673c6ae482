"""A subject-access export: everything held about one person as a ZIP of JSON files, with
the files of their record (store/person_record.py says what is in it)."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from pathlib import PurePath
from typing import Any

from pydantic_core import to_jsonable_python

from scls.documents import DocumentMissing, DocumentStore
from store.person_record import PersonRecord

README = """Everything the Social Care Leaders Scheme engine holds about {person}, exported {at}.

person.json         the directory entry, and the read models' rows about them
events.json         the events of their record, then those they caused on others' records
tasks.json          open tasks assigned to them or on their record (decided ones are events)
mail.json           mail sent to them
sign-ins.json       their web console sessions and sign-in links
documents.json      the files their record names; each file is in documents/
"""


def _json(value: Any) -> bytes:
    return json.dumps(to_jsonable_python(value), indent=2, ensure_ascii=False).encode()


async def export_zip(record: PersonRecord, documents: DocumentStore, at: str) -> bytes:
    """The ZIP of `record`; a file missing from the store is listed as missing."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(person=record.person_id, at=at))
        archive.writestr(
            "person.json",
            _json(
                {
                    "person_id": record.person_id,
                    "directory": record.directory,
                    "progress": record.progress,
                    "sessions": record.sessions,
                    "interventions": record.interventions,
                    "alumni": record.alumni,
                }
            ),
        )
        archive.writestr("events.json", _json([e.model_dump(mode="json") for e in record.events]))
        archive.writestr("tasks.json", _json(record.tasks))
        archive.writestr("mail.json", _json(record.mail))
        archive.writestr("sign-ins.json", _json(record.sign_ins))
        listed = []
        for ref in record.documents():
            path = f"documents/{ref.sha256[:12]}-{PurePath(ref.name).name}"
            try:
                archive.writestr(path, await documents.get(ref.sha256))
            except DocumentMissing:
                path = ""
            listed.append({**ref.model_dump(mode="json"), "file": path or None})
        archive.writestr("documents.json", _json(listed))
    return buffer.getvalue()
