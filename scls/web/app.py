"""The web console's app: its routers, signed-cookie sessions, the form-token check on
every POST, and error pages in plain words; with probes and metrics (scls/probes.py) and,
when tracing is on, a span per request."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from scls.probes import Readiness, add_probes
from scls.tracing import trace_console
from scls.web import auth, coaching, cohorts, conferences, my_programme, participants, tasks
from scls.web.metrics import RequestMetrics
from scls.web.pages import render
from scls.web.services import WebServices
from scls.web.session import SignInRequired, check_csrf

SESSION_COOKIE = "scls_session"
SESSION_HOURS = 12  # a shift and a half; then sign in again
STATIC = "/static"


def create_app(services: WebServices, secret: str, *, https_only: bool = False) -> FastAPI:
    app = FastAPI(
        title="Social Care Leaders Scheme",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(check_csrf)],
    )
    app.state.services = services
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=https_only,
    )
    app.add_middleware(RequestMetrics, mounts=(STATIC,))
    app.mount(STATIC, StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (auth, tasks, my_programme, participants, coaching, cohorts, conferences):
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
