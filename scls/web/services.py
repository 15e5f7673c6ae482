"""What the pages need from outside: the Postgres pool, a Temporal client (connected on
first use, so the console serves pages while Temporal restarts), the settings for mail,
and the document store for the files of evidence and reports."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
from fastapi import Request
from temporalio.client import Client

from scls.documents import DocumentStore, document_store
from scls.settings import Settings


@dataclass
class WebServices:
    pool: asyncpg.Pool
    settings: Settings
    connect: Callable[[], Awaitable[Client]]
    _client: Client | None = field(default=None, init=False)
    _connecting: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _documents: DocumentStore | None = field(default=None, init=False)

    async def temporal(self) -> Client:
        async with self._connecting:
            if self._client is None:
                self._client = await self.connect()
            return self._client

    def documents(self) -> DocumentStore:
        if self._documents is None:
            self._documents = document_store(self.settings)
        return self._documents


def services(request: Request) -> WebServices:
    found: WebServices = request.app.state.services
    return found
