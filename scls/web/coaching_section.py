"""The participant page's coaching and mentoring section: where each kind of session
stands against its cadence, the sessions held (a link to the notes only for those who may
read them), and which kinds of session the signed-in person is offered the form for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.access import Viewer, may_read_session_notes, sessions_to_record
from domain.participant.state import ParticipantState
from domain.participant.support_sessions import session_cadence
from domain.programme.support_sessions import SessionTheme


def session_context(viewer: Viewer, state: ParticipantState, now: datetime) -> dict[str, Any]:
    return {
        "session_cadence": session_cadence(state),
        "sessions": [
            (session, may_read_session_notes(viewer, state, session))
            for session in reversed(state.support_sessions)
        ],
        "session_kinds": sessions_to_record(viewer, state),
        "session_themes": list(SessionTheme),
        "today": now.date(),
    }
