"""Rendering a page: the templates, with what every page shows (who is signed in, the
form token, a one-off message) filled in."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from domain.instants import last_day
from domain.programme.phases import Phase
from scls.documents import size_in_words
from scls.web.session import csrf_token, take_flash

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _when(instant: datetime | None) -> str:
    return "" if instant is None else instant.strftime("%d %b %Y %H:%M")


def _day(instant: datetime | None) -> str:
    return "" if instant is None else instant.strftime("%d %b %Y")


def _last_day(ends: datetime | None) -> str:
    return "" if ends is None else last_day(ends).strftime("%d %b %Y")


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _phase(value: str | Phase) -> str:
    return Phase(value).label


TEMPLATES.env.filters.update(
    when=_when, day=_day, last_day=_last_day, words=_words, phase=_phase, size=size_in_words
)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    shown = {
        "person": getattr(request.state, "person", None),
        "csrf_token": csrf_token(request),
        "flash": take_flash(request),
        **(context or {}),
    }
    return TEMPLATES.TemplateResponse(request, template, shown, status_code=status)
