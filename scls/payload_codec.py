"""Every payload the engine writes to Temporal, encrypted: the one data converter of the
worker, every client (scls.temporal.connect), the codec endpoint and the tests.

What is encrypted: workflow and activity inputs and results, Update, Signal and Query
arguments and results, memos, and failures (their message and stack trace are moved into
the failure's encoded attributes first, so a refusal's words are not in the history in
the clear). Search attributes and workflow ids are not payloads: they stay readable, and
carry no personal data.

A payload is AES-256-GCM over the serialized original payload (its metadata included),
with a fresh 96-bit nonce, and the key's id bound in as associated data:
metadata `encoding: binary/encrypted`, `encryption-key-id: <id>`; data `nonce || ciphertext`.
A payload without that encoding is passed through as it is: histories written before
payloads were encrypted still replay and read.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

from scls.payload_keys import Keyring, PayloadKeyError, read_keyring_file

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
# A payload naming a key this process does not know makes it read its key file again
# (`scls keys rotate` on a shared file), at most this often.
_RELOAD_EVERY_SECONDS = 1.0


def _associated_data(key_id: str) -> bytes:
    return b"scls-payload:" + key_id.encode()


class EncryptionCodec(PayloadCodec):
    """AES-GCM under the keyring's current key; decoding picks the key each payload names."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._reloaded_at = 0.0

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self._keyring.current
        cipher = self._keyring.cipher(key_id)
        assert cipher is not None  # the keyring checks its current key is in it
        nonce = os.urandom(NONCE_BYTES)
        sealed = cipher.encrypt(nonce, payload.SerializeToString(), _associated_data(key_id))
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before encryption, or not by this engine
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._keyring.cipher(key_id) or self._reload_for(key_id)
        if cipher is None:
            raise PayloadKeyError(
                f"a payload is encrypted under key {key_id!r}, which is not in the keyring: "
                "add it back to SCLS_PAYLOAD_KEYS or the key file (old keys stay for reading)"
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, _associated_data(key_id))
        except InvalidTag:
            raise PayloadKeyError(
                f"a payload under key {key_id!r} does not decrypt: the key file holds another "
                "key under that id, or the payload was altered"
            ) from None
        return Payload.FromString(plain)

    def _reload_for(self, key_id: str) -> AESGCM | None:
        source = self._keyring.source
        if source is None or time.monotonic() - self._reloaded_at < _RELOAD_EVERY_SECONDS:
            return None
        self._reloaded_at = time.monotonic()
        reread = read_keyring_file(source)
        # Read with every key the file now has; keep writing under the key this process
        # started with until it restarts (a rotation reaches writers on their restart).
        known = {**reread.keys, **self._keyring.keys}
        self._keyring = Keyring(known, self._keyring.current, source)
        return self._keyring.cipher(key_id)


def data_converter(keyring: Keyring) -> DataConverter:
    """pydantic payloads, encrypted under `keyring`, failures' words included."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keyring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
