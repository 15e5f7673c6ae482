"""The document store: the bytes of the files on participants' records (evidence, reports),
kept apart from Temporal and the events table, which only ever hold a DocumentRef.

Files are content-addressed by SHA-256, so storing the same bytes again (a retried
upload, the same scan attached twice) stores nothing new. They are stored before the
Update that names them is sent: a refused Update leaves an unreferenced file, never a
reference without its file. Two stores behind one interface: a folder (the embedded
stack's `SCLS_DATA_DIR/documents`, or `SCLS_DOCUMENTS_DIR`) and an S3-compatible bucket
(`SCLS_DOCUMENTS_S3_BUCKET`, through boto3). The limits (size, accepted types) are
settings, checked before anything is stored; a refusal says the limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from domain.documents import DocumentRef

if TYPE_CHECKING:
    from scls.settings import Settings

MEBIBYTE = 1024 * 1024

# How each type is named in a refusal (the accepted ones are a setting).
TYPE_NAMES: dict[str, str] = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/heic": "HEIC photo",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.oasis.opendocument.text": "ODF text document",
    "text/plain": "plain text",
}
# Extensions Python's table may lack, or name otherwise, on some systems.
_EXTENSIONS = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".heic": "image/heic",
    ".webp": "image/webp",
    ".txt": "text/plain",
}


class DocumentRefused(Exception):
    """A file past the store's limits: the message names the file and the limit."""


class DocumentMissing(Exception):
    """No file with that hash is in the store."""


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int
    content_types: frozenset[str]

    def accepted(self) -> str:
        """The accepted types in words, the common ones first."""
        ordered = [t for t in TYPE_NAMES if t in self.content_types]
        ordered += sorted(self.content_types - set(TYPE_NAMES))
        return ", ".join(dict.fromkeys(TYPE_NAMES.get(t, t) for t in ordered))


def content_type_of(name: str) -> str:
    """A file's type, from its name (what a browser or a shell says is not to be trusted
    more than the name, and the name is what the reader will open it by)."""
    extension = Path(name).suffix.lower()
    guessed = _EXTENSIONS.get(extension) or mimetypes.guess_type(name)[0]
    return guessed or "application/octet-stream"


def size_in_words(size: int) -> str:
    """A file's size as people read it: 812 bytes, 65 KB, 20.0 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < MEBIBYTE:
        return f"{size / 1024:.0f} KB"
    return f"{size / MEBIBYTE:.1f} MB"


def check(name: str, size: int, limits: DocumentLimits) -> str:
    """The file's content type, or DocumentRefused saying which limit it is past."""
    clean = Path(name.replace("\\", "/")).name.strip()
    if not clean:
        raise DocumentRefused("a file needs a name")
    if size == 0:
        raise DocumentRefused(f"{clean} is empty")
    if size > limits.max_bytes:
        raise DocumentRefused(
            f"{clean} is {size_in_words(size)}: files may be at most "
            f"{size_in_words(limits.max_bytes)}"
        )
    content_type = content_type_of(clean)
    if content_type not in limits.content_types:
        raise DocumentRefused(
            f"{clean} is not a file the record accepts ({content_type}); accepted: "
            f"{limits.accepted()}"
        )
    return content_type


class DocumentStore(Protocol):
    async def put(self, ref: DocumentRef, data: bytes) -> None:
        """Keep `data` under `ref.sha256`; a no-op when it is there already."""

    async def get(self, sha256: str) -> bytes: ...

    async def delete(self, sha256: str) -> None:
        """Remove the file (erasure, retention); a no-op when it is not there."""


async def store_document(
    store: DocumentStore, limits: DocumentLimits, name: str, data: bytes
) -> DocumentRef:
    """Check `data` against the limits, store it, and return its reference. Past a
    limit nothing is stored."""
    content_type = check(name, len(data), limits)
    ref = DocumentRef(
        sha256=hashlib.sha256(data).hexdigest(),
        name=Path(name.replace("\\", "/")).name.strip(),
        content_type=content_type,
        size=len(data),
    )
    await store.put(ref, data)
    return ref


class FolderStore:
    """Files under a folder, as `<root>/<first two hex digits>/<sha256>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def put(self, ref: DocumentRef, data: bytes) -> None:
        await asyncio.to_thread(self._write, ref.sha256, data)

    def _write(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed into place: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def get(self, sha256: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(sha256).read_bytes)
        except FileNotFoundError:
            raise DocumentMissing(f"no document {sha256} in {self.root}") from None

    async def delete(self, sha256: str) -> None:
        await asyncio.to_thread(self._path(sha256).unlink, missing_ok=True)


class S3Store:
    """Files in an S3-compatible bucket, as `<prefix><sha256>`."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix

    async def put(self, ref: DocumentRef, data: bytes) -> None:
        await asyncio.to_thread(self._put, ref, data)

    def _put(self, ref: DocumentRef, data: bytes) -> None:
        from botocore.exceptions import ClientError

        key = self.prefix + ref.sha256
        try:
            self._client.head_object(Bucket=self.bucket, Key=key)
            return  # the same bytes are there already
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
        self._client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=ref.content_type
        )

    async def get(self, sha256: str) -> bytes:
        return await asyncio.to_thread(self._get, sha256)

    def _get(self, sha256: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            found = self._client.get_object(Bucket=self.bucket, Key=self.prefix + sha256)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise DocumentMissing(f"no document {sha256} in bucket {self.bucket}") from None
            raise
        body: bytes = found["Body"].read()
        return body

    async def delete(self, sha256: str) -> None:
        # S3 answers a delete of a missing key with success too.
        await asyncio.to_thread(
            self._client.delete_object, Bucket=self.bucket, Key=self.prefix + sha256
        )


def document_limits(settings: Settings) -> DocumentLimits:
    return DocumentLimits(
        max_bytes=settings.documents_max_bytes,
        content_types=frozenset(settings.documents_content_types),
    )


def document_store(settings: Settings) -> DocumentStore:
    """The bucket when SCLS_DOCUMENTS_S3_BUCKET is set; else the folder."""
    if settings.documents_s3_bucket:
        import boto3

        secret = settings.documents_s3_secret_access_key
        client = boto3.client(
            "s3",
            endpoint_url=settings.documents_s3_endpoint_url,
            region_name=settings.documents_s3_region,
            aws_access_key_id=settings.documents_s3_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
        )
        return S3Store(client, settings.documents_s3_bucket, settings.documents_s3_prefix)
    folder = settings.documents_dir or Path(settings.data_dir).expanduser() / "documents"
    return FolderStore(folder)
