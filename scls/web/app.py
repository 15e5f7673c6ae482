"""The web console's app: its routers, sessions (a signed cookie holding a server-side
session's token), the form-token check on every POST, security headers on every answer,
the codec endpoint for the Temporal Web UI and CLI, and error pages in plain words; with
probes and metrics (scls/probes.py) and, when tracing is on, a span per request."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from scls.payload_codec import EncryptionCodec
from scls.probes import Readiness, add_probes
from scls.tracing import trace_console
from scls.web import (
    auth,
    coaching,
    cohorts,
    conferences,
    measures,
    my_programme,
    participants,
    tasks,
    work,
)
from scls.web.codec import CODEC_PATH, codec_app
from scls.web.headers import SecurityHeaders
from scls.web.metrics import RequestMetrics
from scls.web.pages import render
from scls.web.services import WebServices
from scls.web.session import SignInRequired, check_csrf
from store.web_sessions import SESSION_LIFETIME

SESSION_COOKIE = "scls_session"
STATIC = "/static"


def create_app(
    services: WebServices,
    secret: str,
    *,
    https_only: bool | None = None,
    codec: EncryptionCodec | None = None,
    codec_token: str | None = None,
) -> FastAPI:
    """The console. Cookies carry the Secure flag when `https_only` (default: the settings'
    SCLS_WEB_SECURE_COOKIES, on when SCLS_WEB_BASE_URL is https); with a `codec` and its
    `codec_token`, the codec endpoint is served at /codec."""
    if https_only is None:
        https_only = services.settings.secure_cookies
    app = FastAPI(
        title="Social Care Leaders Scheme",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(check_csrf)],
    )
    app.state.services = services
    app.state.secret = secret  # also signs alumni check-in links (mail/check_in_links.py)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        same_site="lax",
        https_only=https_only,
    )
    app.add_middleware(RequestMetrics, mounts=(STATIC,))
    # Added last, so it wraps everything: error pages and the codec's answers get them too.
    app.add_middleware(SecurityHeaders, https=https_only)
    app.mount(STATIC, StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    if codec is not None and codec_token is not None:
        app.mount(CODEC_PATH, codec_app(services, codec, codec_token))
    for module in (
        auth,
        tasks,
        my_programme,
        participants,
        coaching,
        cohorts,
        conferences,
        work,
        measures,
    ):
        app.include_router(module.router)
    add_probes(app, Readiness(services.pool, services.temporal))
    trace_console(app, services.settings)

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, error: SignInRequired) -> RedirectResponse:
        return RedirectResponse(f"/sign-in?next={quote(error.next_path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def error_page(request: Request, error: StarletteHTTPException) -> HTMLResponse:
        return render(request, "error.html", {"error": error}, status=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> HTMLResponse:
        fields = ", ".join(str(problem["loc"][-1]) for problem in error.errors())
        problem = StarletteHTTPException(400, f"The request is missing or has a bad {fields}.")
        return render(request, "error.html", {"error": problem}, status=400)

    return app
