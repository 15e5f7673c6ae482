"""The keys that encrypt Temporal payloads: a keyring of named AES-256 keys, one of them
current.

New payloads are written under the current key and name its id; a payload is read with
the key it names, so keys retired from writing stay in the keyring until no history that
needs them is left (Temporal's retention after the last workflow that used them closed).

Where the keyring comes from, the first one set:
- SCLS_PAYLOAD_KEYS: the keyring itself (entries separated by newlines, commas or `;`);
- SCLS_PAYLOAD_KEYS_FILE: a file holding it;
- `payload-keys` in the data folder, which `scls dev` makes on its first start.
None of them: a process that talks to Temporal refuses to start (PayloadKeyError).

The text, one entry a line, `#` starting a comment:

    current=2026-05-10-3fa2
    2026-05-10-3fa2:<base64 of 32 random bytes>
    2025-11-02-91cd:<base64 of 32 random bytes>

`scls keys rotate` adds a fresh key to the file and makes it current.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from scls.settings import Settings

KEY_FILE = "payload-keys"
KEY_BYTES = 32  # AES-256
_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SEPARATORS = re.compile(r"[\n,;]")


class PayloadKeyError(Exception):
    """The payload keys are missing, malformed, or lack a key a payload names."""


@dataclass(frozen=True)
class Keyring:
    """Named AES-256 keys, and the id of the one new payloads are written under.
    `source` is the file it was read from (None for SCLS_PAYLOAD_KEYS)."""

    keys: Mapping[str, bytes]
    current: str
    source: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for key_id, key in self.keys.items():
            if not _KEY_ID.match(key_id):
                raise PayloadKeyError(
                    f"payload key id {key_id!r}: letters, digits, '.', '_' and '-', at most 64"
                )
            if len(key) != KEY_BYTES:
                raise PayloadKeyError(
                    f"payload key {key_id}: {len(key)} bytes, an AES-256 key has {KEY_BYTES}"
                )
        if self.current not in self.keys:
            raise PayloadKeyError(f"the current payload key {self.current!r} is not in the keyring")

    @cached_property
    def _ciphers(self) -> dict[str, AESGCM]:
        return {key_id: AESGCM(key) for key_id, key in self.keys.items()}

    def cipher(self, key_id: str) -> AESGCM | None:
        return self._ciphers.get(key_id)

    def with_new_current(self, now: datetime | None = None) -> Keyring:
        """This keyring plus a fresh key, made current; the old keys stay for reading."""
        key_id = new_key_id(now)
        while key_id in self.keys:
            key_id = new_key_id(now)
        return Keyring({**self.keys, key_id: AESGCM.generate_key(KEY_BYTES * 8)}, key_id)

    def text(self) -> str:
        """The keyring as a file holds it (secret: written with mode 0600)."""
        lines = [
            "# scls payload keys: `current=ID` names the key new payloads are written under;",
            "# keep every older key while histories written under it may still be read.",
            f"current={self.current}",
            *(f"{key_id}:{base64.b64encode(key).decode()}" for key_id, key in self.keys.items()),
        ]
        return "\n".join(lines) + "\n"


def new_key_id(now: datetime | None = None) -> str:
    """An id that says when the key was made, and cannot clash with another made that day."""
    return f"{(now or datetime.now(UTC)):%Y-%m-%d}-{secrets.token_hex(2)}"


def new_keyring() -> Keyring:
    key_id = new_key_id()
    return Keyring({key_id: AESGCM.generate_key(KEY_BYTES * 8)}, key_id)


def parse_keyring(text: str, where: str, source: Path | None = None) -> Keyring:
    """The keyring in `text`; PayloadKeyError names `where` and the entry that is wrong
    (never the key itself)."""
    keys: dict[str, bytes] = {}
    current: str | None = None
    for number, raw in enumerate(_SEPARATORS.split(text), start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if entry.startswith("current="):
            current = entry.removeprefix("current=").strip()
            continue
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not colon or not key_id:
            raise PayloadKeyError(
                f"{where}: entry {number} is neither `current=ID` nor `ID:BASE64KEY`"
            )
        if key_id in keys:
            raise PayloadKeyError(f"{where}: key {key_id} is given twice")
        try:
            keys[key_id] = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise PayloadKeyError(f"{where}: key {key_id} is not base64") from None
    if not keys:
        raise PayloadKeyError(f"{where}: no keys")
    if current is None:
        raise PayloadKeyError(f"{where}: no `current=ID` entry naming the key to write under")
    try:
        return Keyring(keys, current, source)
    except PayloadKeyError as error:
        raise PayloadKeyError(f"{where}: {error}") from None


def read_keyring_file(path: Path) -> Keyring:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PayloadKeyError(f"cannot read the payload keys in {path}: {error}") from None
    return parse_keyring(text, str(path), source=path)


def write_keyring_file(path: Path, keyring: Keyring) -> None:
    """Write the keyring readable by its owner only, replacing the file in one step, so
    a process reading it never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(keyring.text())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def keyring_file(settings: Settings) -> Path:
    """The file the keyring is kept in: SCLS_PAYLOAD_KEYS_FILE, or the data folder's."""
    if settings.payload_keys_file is not None:
        return settings.payload_keys_file
    return Path(settings.data_dir).expanduser() / KEY_FILE


def load_keyring(settings: Settings) -> Keyring:
    """The configured keyring; PayloadKeyError when there is none."""
    if settings.payload_keys is not None:
        return parse_keyring(settings.payload_keys.get_secret_value(), "SCLS_PAYLOAD_KEYS")
    path = keyring_file(settings)
    if settings.payload_keys_file is None and not path.is_file():
        raise PayloadKeyError(
            "no payload keys: set SCLS_PAYLOAD_KEYS or SCLS_PAYLOAD_KEYS_FILE (see "
            f"deploy/README.md), or run `scls dev`, which makes {path} on its first start"
        )
    return read_keyring_file(path)


def ensure_keyring_file(path: Path) -> tuple[Keyring, bool]:
    """The keyring in `path`, made there first if there is none; and whether it was made."""
    if path.is_file():
        return read_keyring_file(path), False
    keyring = new_keyring()
    write_keyring_file(path, keyring)
    return read_keyring_file(path), True


def rotate_keyring_file(path: Path) -> tuple[Keyring, Keyring]:
    """Add a fresh key to the file and make it current: (before, after)."""
    before = read_keyring_file(path)
    after = before.with_new_current()
    write_keyring_file(path, after)
    return before, read_keyring_file(path)
