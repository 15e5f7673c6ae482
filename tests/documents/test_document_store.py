"""The document store: files kept by their SHA-256 in a folder and in an S3-compatible
bucket (moto's server, in-process over HTTP: a fake for the far end), the same bytes
stored once, and a file past the limits refused in words with nothing stored."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from scls.documents import (
    DocumentLimits,
    DocumentMissing,
    DocumentRefused,
    DocumentStore,
    FolderStore,
    S3Store,
    document_store,
    store_document,
)
from scls.settings import DEFAULT_CONTENT_TYPES, load_settings
from scls.stack.ports import free_port

LIMITS = DocumentLimits(max_bytes=1024, content_types=frozenset(DEFAULT_CONTENT_TYPES))
PDF = b"%PDF-1.7\n" + b"observation record " * 20


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def bucket(endpoint: str, name: str) -> S3Store:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-west-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    return S3Store(client, name, "documents/")


async def stores_by_content(store: DocumentStore) -> None:
    ref = await store_document(store, LIMITS, "obs.pdf", PDF)
    assert ref.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (ref.name, ref.content_type, ref.size) == ("obs.pdf", "application/pdf", len(PDF))
    # The same bytes under another name: the same file, stored once.
    again = await store_document(store, LIMITS, "C:\\scans\\copy.pdf", PDF)
    assert (again.sha256, again.name) == (ref.sha256, "copy.pdf")
    assert await store.get(ref.sha256) == PDF
    with pytest.raises(DocumentMissing):
        await store.get("0" * 64)


async def test_a_folder_store_keeps_each_file_once_by_its_hash(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "documents")
    await stores_by_content(store)
    kept = [p for p in (tmp_path / "documents").rglob("*") if p.is_file()]
    assert [p.name for p in kept] == [hashlib.sha256(PDF).hexdigest()]


async def test_a_bucket_keeps_each_file_once_by_its_hash(s3_endpoint: str) -> None:
    store = bucket(s3_endpoint, "scls-evidence")
    await stores_by_content(store)
    listed = store._client.list_objects_v2(Bucket="scls-evidence")["Contents"]
    assert [o["Key"] for o in listed] == [f"documents/{hashlib.sha256(PDF).hexdigest()}"]


async def test_a_file_past_the_limits_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "documents")
    with pytest.raises(DocumentRefused) as too_big:
        await store_document(store, LIMITS, "scan.pdf", b"x" * 2048)
    assert str(too_big.value) == "scan.pdf is 2 KB: files may be at most 1 KB"
    big = DocumentLimits(max_bytes=20 * 1024 * 1024, content_types=LIMITS.content_types)
    with pytest.raises(DocumentRefused) as too_big:
        await store_document(store, big, "scan.pdf", b"x" * (21 * 1024 * 1024))
    assert str(too_big.value) == "scan.pdf is 21.0 MB: files may be at most 20.0 MB"
    with pytest.raises(DocumentRefused) as wrong_type:
        await store_document(store, LIMITS, "macro.qqq9", b"MZ")
    assert str(wrong_type.value) == (
        "macro.qqq9 is not a file the record accepts (application/octet-stream); accepted: "
        "PDF, JPEG image, PNG image, GIF image, WebP image, HEIC photo, Word document, "
        "ODF text document, plain text"
    )
    with pytest.raises(DocumentRefused, match=r"^empty\.txt is empty$"):
        await store_document(store, LIMITS, "empty.txt", b"")
    assert not (tmp_path / "documents").exists()


def test_the_settings_choose_the_store(tmp_path: Path) -> None:
    folder = document_store(load_settings(data_dir=tmp_path))
    assert isinstance(folder, FolderStore) and folder.root == tmp_path / "documents"
    s3 = document_store(
        load_settings(
            data_dir=tmp_path,
            documents_s3_bucket="scls-evidence",
            documents_s3_endpoint_url="http://127.0.0.1:9",
            documents_s3_region="eu-west-2",
        )
    )
    assert isinstance(s3, S3Store) and s3.bucket == "scls-evidence"
