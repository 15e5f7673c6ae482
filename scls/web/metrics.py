"""The console's own Prometheus metrics: requests by route and status, their time, and
failed sign-ins. Routes are labelled by their template (`/tasks/{participant_id}/{task_id}`),
never by the ids in the path."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "scls_console_requests",
    "Console requests, by method, route and status code",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "scls_console_request_seconds",
    "Time to answer a console request, by route",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SIGN_IN_FAILURES = Counter(
    "scls_console_sign_in_failures",
    "Sign-ins refused: a wrong email or password, or a sign-in link expired or used",
    ["method"],
)

# Paths that match no route (probes of scanners, typos) share one label.
_UNMATCHED = "unmatched"


class RequestMetrics:
    """ASGI middleware counting and timing each HTTP request once it is answered."""

    def __init__(self, app: ASGIApp, mounts: tuple[str, ...] = ()) -> None:
        self.app = app
        self._mounts = mounts  # served by a mounted app, labelled by their prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or next(
                (m for m in self._mounts if scope["path"].startswith(f"{m}/")), _UNMATCHED
            )
            REQUESTS.labels(method=scope["method"], route=route, status=str(status)).inc()
            REQUEST_SECONDS.labels(route=route).observe(time.perf_counter() - started)
