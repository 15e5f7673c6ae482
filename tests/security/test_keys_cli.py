"""`scls keys init`, `show` and `rotate` through the real command line."""

from __future__ import annotations

import stat
from pathlib import Path

from scls.payload_keys import read_keyring_file
from tests.cli import run_cli, stack_env


def test_init_show_and_rotate_the_key_file(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "payload-keys"
    env = stack_env(tmp_path, SCLS_PAYLOAD_KEYS_FILE=str(path))
    del env["SCLS_PAYLOAD_KEYS"]  # the tests' own keys would come first
    shown = run_cli("keys", "show", env=env)
    assert shown.returncode == 2 and "cannot read the payload keys" in shown.stderr
    made = run_cli("keys", "init", env=env)
    assert made.returncode == 0, made.stderr
    first = read_keyring_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rotated = run_cli("keys", "rotate", env=env)
    assert rotated.returncode == 0, rotated.stderr
    after = read_keyring_file(path)
    assert after.current != first.current and first.keys.items() <= after.keys.items()
    assert f"{after.current} is current" in rotated.stdout
    shown = run_cli("keys", "show", env=env)
    assert shown.returncode == 0 and f"{after.current}  (current" in shown.stdout
    for key in after.keys.values():  # ids only, never a key
        assert key.hex() not in shown.stdout + rotated.stdout
    again = run_cli("keys", "init", env=env)
    assert "kept the payload keys" in again.stdout and read_keyring_file(path) == after


def test_rotate_says_how_when_the_keys_are_in_the_variable(tmp_path: Path) -> None:
    refused = run_cli("keys", "rotate", env=stack_env(tmp_path))
    assert refused.returncode == 2
    assert "SCLS_PAYLOAD_KEYS" in refused.stderr and "current=NEW-ID" in " ".join(
        refused.stderr.split()
    )
