"""The payload keys of the tests: made for them, published here, and never a real key.

Every Temporal client and worker of the tests encrypts with TEST_KEYRING (the CLI gets it
as SCLS_PAYLOAD_KEYS from tests.cli.stack_env). The encrypted histories in
tests/replay/histories/ were recorded under `test-2026-a`, so it must stay in the keyring
for as long as they are replayed.
"""

from __future__ import annotations

from temporalio.converter import DataConverter

from scls.payload_codec import data_converter
from scls.payload_keys import Keyring, parse_keyring

TEST_KEYS_TEXT = (
    "current=test-2026-a,"
    "test-2026-a:XUdJSjSDEez+pgd7Ptt7JrFVK0pUjXJa0Y8YsmMABlE=,"
    "test-2026-b:6QCANmTu49Z1VbTXJAPmgOwQCctd5JYHlbKdz3SBTyc="
)
TEST_KEYRING: Keyring = parse_keyring(TEST_KEYS_TEXT, "tests/payload_keys.py")

# For the rotation tests: only the first key, then both with the second current.
KEY_A_ONLY = Keyring({"test-2026-a": TEST_KEYRING.keys["test-2026-a"]}, "test-2026-a")
ROTATED_TO_B = Keyring(dict(TEST_KEYRING.keys), "test-2026-b")

# The data converter every test client and worker uses: the worker's own, with test keys.
TEST_CONVERTER: DataConverter = data_converter(TEST_KEYRING)
