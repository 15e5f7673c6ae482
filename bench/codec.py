"""`python -m bench codec`: what encrypting payloads costs, per payload.

Times the data converter with and without the payload codec (scls/payload_codec.py) on
the payloads the engine writes most: a participant's append request of a few events
(about 2 KB of JSON) and a raised concern (a few hundred bytes), encode and decode.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from scls.payload_codec import EncryptionCodec
from scls.payload_keys import new_keyring


def _payload(size: int) -> Payload:
    body = ('{"reason": "' + "x" * max(0, size - 14) + '"}').encode()
    return pydantic_data_converter.payload_converter.to_payloads([body.decode()])[0]


async def _per_call(call: Callable[[], Awaitable[object]], repeat: int) -> float:
    await call()
    started = time.perf_counter()
    for _ in range(repeat):
        await call()
    return (time.perf_counter() - started) / repeat


async def _run(repeat: int) -> None:
    codec = EncryptionCodec(new_keyring())
    print(f"AES-256-GCM payload codec, {repeat} calls each, one payload a call")
    for size in (300, 2_000, 20_000):
        plain = _payload(size)
        [sealed] = await codec.encode([plain])
        encode = await _per_call(partial(codec.encode, [plain]), repeat)
        decode = await _per_call(partial(codec.decode, [sealed]), repeat)
        grown = len(sealed.SerializeToString()) - len(plain.SerializeToString())
        print(
            f"  {size:>6} bytes: encode {encode * 1e6:6.1f} µs, decode {decode * 1e6:6.1f} µs, "
            f"+{grown} bytes on the wire"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench codec", description=__doc__)
    parser.add_argument("--repeat", type=int, default=20_000)
    args = parser.parse_args(argv)
    asyncio.run(_run(args.repeat))
    return 0
