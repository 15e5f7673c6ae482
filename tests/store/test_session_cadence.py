"""The session cadence read model: who has gone twice the cadence without a coaching or
mentoring session, as the domain works it out, kept in the append's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from contracts.event_log import NewEvent
from domain.participant.commands import RecordSession
from domain.participant.decide import decide
from domain.participant.events import ParticipantEvent
from domain.participant.evolve import evolve
from domain.participant.state import ParticipantState, initial_state
from domain.participant.support_sessions import session_cadence
from domain.programme.phases import Phase
from domain.programme.support_sessions import SessionKind, SessionTheme
from store.events import append
from store.read_models import PROJECTIONS
from store.session_cadence import LEAVES_CADENCE_ALONE, session_cadences
from tests.domain.domain_builders import applied, enrol_command, run_programme, run_until


def session(by: str, at: datetime, kind: SessionKind = SessionKind.COACHING) -> RecordSession:
    return RecordSession(
        by=by, kind=kind, held_on=at.date(), minutes=60, themes=(SessionTheme.WELLBEING,)
    )


def test_the_events_the_projector_skips_never_change_the_cadence() -> None:
    # Given a whole programme, with a coaching session in the care placement
    state = initial_state("P-1")
    enrolled_at = datetime(2027, 7, 26, 9, tzinfo=UTC)
    state = applied(state, decide(state, enrol_command("P-1"), enrolled_at))
    state, _ = run_until(state, Phase.CARE_PLACEMENT)
    assert state.as_of is not None
    state = applied(state, decide(state, session("P-coach-1", state.as_of), state.as_of))
    _, events = run_programme(state, state.as_of)
    # Then no event of a type the projector skips changes what the cadence says
    skipped = 0
    for event in events:
        after = evolve(state, event)
        if event.type in LEAVES_CADENCE_ALONE:
            assert session_cadence(after) == session_cadence(state), event.type
            skipped += 1
        state = after
    assert skipped > len(events) / 2


async def record(
    pool: asyncpg.Pool, participant_id: str, *, sessions_today: bool
) -> ParticipantState:
    """A participant whose care placement began months ago, appended an event a batch as
    their workflow would, then (if asked) a coaching and a mentoring session today."""
    now = datetime.now(UTC)
    start = now - timedelta(weeks=40)
    enrolment = enrol_command(participant_id).model_copy(update={"programme_start": start})
    state = initial_state(participant_id)
    enrolled = decide(state, enrolment, start - timedelta(weeks=6))
    state, placement = run_until(applied(state, enrolled), Phase.CARE_PLACEMENT)
    batches: list[list[ParticipantEvent]] = [enrolled, *([event] for event in placement)]
    if sessions_today:
        for by, kind in (
            ("P-coach-1", SessionKind.COACHING),
            ("P-mentor-1", SessionKind.MENTORING),
        ):
            batches.append(decide(state, session(by, now, kind), now))
            state = applied(state, batches[-1])
    version = 0
    for batch in batches:
        stream = f"participant-{participant_id}"
        await append(pool, PROJECTIONS, stream, version, [NewEvent.of(e) for e in batch])
        version += len(batch)
    return state


@pytest.mark.postgres
async def test_the_dashboard_lists_whoever_has_gone_twice_the_cadence_without_a_session(
    pool: asyncpg.Pool,
) -> None:
    # Given two participants months into their care placement, one seen by coach and
    # mentor today, the other never
    await record(pool, "P-seen", sessions_today=True)
    await record(pool, "P-unseen", sessions_today=False)
    # Then the read model holds what the domain says of each
    rows = await pool.fetch(
        "SELECT participant_id, kind, sessions FROM session_cadence ORDER BY 1, 2"
    )
    assert [tuple(row) for row in rows] == [
        ("P-seen", "coaching", 1),
        ("P-seen", "mentoring", 1),
        ("P-unseen", "coaching", 0),
        ("P-unseen", "mentoring", 0),
    ]
    # and only the one never seen has sessions missed, mentoring the longest
    missed = await session_cadences(pool, missed_only=True)
    assert [(m.participant_id, m.kind, m.held_by, m.missed) for m in missed] == [
        ("P-unseen", "mentoring", "P-mentor-1", True),
        ("P-unseen", "coaching", "P-coach-1", True),
    ]
    assert await session_cadences(pool, cohort_id="C-elsewhere") == []
    seen = await session_cadences(pool, participant_id="P-seen")
    assert [(row.kind, row.missed) for row in seen] == [("mentoring", False), ("coaching", False)]
    # And rebuilt from the events, the read model is the one the appends kept
    kept = await pool.fetch("SELECT * FROM session_cadence ORDER BY 1, 2")
    await PROJECTIONS.rebuild(pool)
    assert await pool.fetch("SELECT * FROM session_cadence ORDER BY 1, 2") == kept
