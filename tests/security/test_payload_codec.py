"""The payload codec and its keyring, without a server: what an encrypted payload looks
like, that plaintext ones pass through, and how keys are read, rotated and refused."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload

from domain.participant.commands import RaiseConcern
from scls.payload_codec import ENCODING, KEY_ID, EncryptionCodec, data_converter
from scls.payload_keys import (
    Keyring,
    PayloadKeyError,
    ensure_keyring_file,
    load_keyring,
    new_keyring,
    parse_keyring,
    read_keyring_file,
    rotate_keyring_file,
    write_keyring_file,
)
from scls.settings import load_settings
from tests.payload_keys import KEY_A_ONLY, ROTATED_TO_B, TEST_KEYRING, TEST_KEYS_TEXT

MARKER = "marker-7f3e: she was left alone with the resident"


async def test_an_encrypted_payload_names_its_key_and_holds_no_plaintext() -> None:
    converter = data_converter(TEST_KEYRING)
    [payload] = await converter.encode([RaiseConcern(by="rm-1", reason=MARKER)])
    assert payload.metadata["encoding"] == ENCODING
    assert payload.metadata[KEY_ID] == b"test-2026-a"
    assert set(payload.metadata) == {"encoding", KEY_ID}  # json/plain is inside, hidden
    assert b"marker-7f3e" not in payload.data and b"RaiseConcern" not in payload.data
    [back] = await converter.decode([payload], [RaiseConcern])
    assert back == RaiseConcern(by="rm-1", reason=MARKER)


async def test_the_same_value_encrypts_differently_each_time() -> None:
    codec = EncryptionCodec(TEST_KEYRING)
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"same"')
    first, second = await codec.encode([plain, plain])
    assert first.data != second.data  # a fresh nonce each time


async def test_a_payload_written_before_encryption_passes_through() -> None:
    codec = EncryptionCodec(TEST_KEYRING)
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"reason": "x"}')
    assert await codec.decode([plain]) == [plain]


async def test_a_rotated_keyring_reads_old_payloads_and_writes_under_the_new_key() -> None:
    [old] = await EncryptionCodec(KEY_A_ONLY).encode([Payload(data=b"old")])
    rotated = EncryptionCodec(ROTATED_TO_B)
    assert (await rotated.decode([old]))[0].data == b"old"
    [new] = await rotated.encode([Payload(data=b"new")])
    assert new.metadata[KEY_ID] == b"test-2026-b"
    with pytest.raises(PayloadKeyError, match=r"test-2026-b.*not in the keyring"):
        await EncryptionCodec(KEY_A_ONLY).decode([new])


async def test_an_altered_payload_or_a_wrong_key_under_the_same_id_is_refused() -> None:
    [sealed] = await EncryptionCodec(TEST_KEYRING).encode([Payload(data=b"x")])
    altered = Payload()
    altered.CopyFrom(sealed)
    altered.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(PayloadKeyError, match="does not decrypt"):
        await EncryptionCodec(TEST_KEYRING).decode([altered])
    impostor = Keyring({"test-2026-a": TEST_KEYRING.keys["test-2026-b"]}, "test-2026-a")
    with pytest.raises(PayloadKeyError, match="does not decrypt"):
        await EncryptionCodec(impostor).decode([sealed])
    # Relabelled under another key id: the id is bound in, so that fails too.
    relabelled = Payload()
    relabelled.CopyFrom(sealed)
    relabelled.metadata[KEY_ID] = b"test-2026-b"
    with pytest.raises(PayloadKeyError):
        await EncryptionCodec(TEST_KEYRING).decode([relabelled])


async def test_failures_words_are_encrypted_too() -> None:
    from temporalio.api.failure.v1 import Failure
    from temporalio.exceptions import ApplicationError

    converter = data_converter(TEST_KEYRING)
    failure = Failure()
    await converter.encode_failure(ApplicationError(MARKER, non_retryable=True), failure)
    assert "marker-7f3e" not in str(failure) and failure.message == "Encoded failure"
    decoded = await converter.decode_failure(failure)
    assert MARKER in str(decoded)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no keys"),
        ("a:" + base64.b64encode(bytes(32)).decode(), "no `current=ID`"),
        ("current=b,a:" + base64.b64encode(bytes(32)).decode(), "'b' is not in the keyring"),
        ("current=a,a:" + base64.b64encode(bytes(16)).decode(), "16 bytes"),
        ("current=a,a:not base64!", "not base64"),
        ("current=a,just-a-key", "neither"),
    ],
)
def test_a_malformed_keyring_is_refused_without_showing_the_key(text: str, problem: str) -> None:
    with pytest.raises(PayloadKeyError, match="SCLS_PAYLOAD_KEYS") as refused:
        parse_keyring(text, "SCLS_PAYLOAD_KEYS")
    assert problem in str(refused.value)
    assert base64.b64encode(bytes(32)).decode() not in str(refused.value)


def test_keys_come_from_the_variable_the_file_or_the_data_folder(tmp_path: Path) -> None:
    assert load_keyring(load_settings(payload_keys=TEST_KEYS_TEXT)) == TEST_KEYRING
    named = tmp_path / "keys"
    write_keyring_file(named, TEST_KEYRING)
    assert load_keyring(load_settings(payload_keys_file=named)) == TEST_KEYRING
    data_dir = tmp_path / "data"
    with pytest.raises(PayloadKeyError, match="no payload keys: set SCLS_PAYLOAD_KEYS"):
        load_keyring(load_settings(data_dir=data_dir))
    made, was_made = ensure_keyring_file(data_dir / "payload-keys")
    assert was_made and load_keyring(load_settings(data_dir=data_dir)) == made
    assert stat.S_IMODE((data_dir / "payload-keys").stat().st_mode) == 0o600
    again, was_made = ensure_keyring_file(data_dir / "payload-keys")
    assert not was_made and again == made


def test_rotating_the_file_adds_a_current_key_and_keeps_the_old(tmp_path: Path) -> None:
    path = tmp_path / "payload-keys"
    write_keyring_file(path, new_keyring())
    before, after = rotate_keyring_file(path)
    assert after.current != before.current
    assert set(after.keys) == {*before.keys, after.current}
    assert read_keyring_file(path) == after
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_process_reads_payloads_under_a_key_added_to_its_file_since_it_started(
    tmp_path: Path,
) -> None:
    path = tmp_path / "payload-keys"
    write_keyring_file(path, new_keyring())
    started = EncryptionCodec(read_keyring_file(path))
    _, after = rotate_keyring_file(path)
    [newer] = await EncryptionCodec(after).encode([Payload(data=b"written after rotation")])
    assert (await started.decode([newer]))[0].data == b"written after rotation"
    # It keeps writing under the key it started with until it restarts.
    [own] = await started.encode([Payload(data=b"x")])
    assert own.metadata[KEY_ID] != after.current.encode()
