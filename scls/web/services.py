"""What the pages need from outside: the Postgres pool, a Temporal client (connected on
first use, so the console serves pages while Temporal restarts), the settings for mail."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
from fastapi import Request
from temporalio.client import Client

from scls.settings import Settings


@dataclass
class WebServices:
    pool: asyncpg.Pool
    settings: Settings
    connect: Callable[[], Awaitable[Client]]
    _client: Client | None = field(default=None, init=False)
    _connecting: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def temporal(self) -> Client:
        async with self._connecting:
            if self._client is None:
                self._client = await self.connect()
            return self._client


def services(request: Request) -> WebServices:
    found: WebServices = request.app.state.services
    return found
