"""`scls keys ...`: the keys that encrypt Temporal payloads (scls/payload_keys.py).

`rotate` adds a fresh key to the key file (SCLS_PAYLOAD_KEYS_FILE, or `payload-keys` in
the data folder) and makes it current; the old keys stay, so histories written under
them still replay and read. Keys given in SCLS_PAYLOAD_KEYS are rotated by changing the
setting: `rotate` says how.
"""

from __future__ import annotations

import typer

from scls.cli.common import settings_and_logging
from scls.cli.errors import expected_errors, fail
from scls.payload_keys import (
    ensure_keyring_file,
    keyring_file,
    load_keyring,
    rotate_keyring_file,
)

keys = typer.Typer(no_args_is_help=True)


@keys.command("show")
@expected_errors
def show_command() -> None:
    """Where the keys come from, their ids and the current one (never the keys)."""
    settings = settings_and_logging()
    keyring = load_keyring(settings)
    where = "SCLS_PAYLOAD_KEYS" if keyring.source is None else str(keyring.source)
    typer.echo(f"payload keys from {where}")
    for key_id in keyring.keys:
        typer.echo(f"  {key_id}{'  (current: new payloads)' if key_id == keyring.current else ''}")


@keys.command("init")
@expected_errors
def init_command() -> None:
    """Make the key file (SCLS_PAYLOAD_KEYS_FILE, or the data folder's) with one fresh key,
    readable by its owner only; an existing file is left as it is."""
    settings = settings_and_logging()
    path = keyring_file(settings)
    keyring, made = ensure_keyring_file(path)
    typer.echo(
        f"{'made' if made else 'kept'} the payload keys in {path} (current key {keyring.current})"
    )


@keys.command("rotate")
@expected_errors
def rotate_command() -> None:
    """Add a fresh key to the key file and make it current; old keys stay for reading.

    Restart the workers, the console and `scls dev` afterwards: each writes under the key
    that was current when it started, and reads payloads under a newer key from the file
    meanwhile."""
    settings = settings_and_logging()
    if settings.payload_keys is not None:
        fail(
            "the payload keys are in SCLS_PAYLOAD_KEYS, not in a file: add an entry "
            "`NEW-ID:<base64 of 32 random bytes>` (for example from "
            '`python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"`), '
            "set `current=NEW-ID`, keep the old entries, and restart every process"
        )
    path = keyring_file(settings)
    if not path.is_file():
        fail(f"no key file at {path}: `scls dev` makes one, or set SCLS_PAYLOAD_KEYS_FILE")
    before, after = rotate_keyring_file(path)
    typer.echo(
        f"payload keys in {path}: {after.current} is current (new payloads); "
        f"{before.current} and older stay for reading. Restart the workers and the console."
    )
