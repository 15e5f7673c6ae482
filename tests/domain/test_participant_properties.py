"""Properties of the participant decider under any sequence of answers and time passing."""

from datetime import datetime, timedelta

from domain_builders import PROGRAMME_START, applied, enrol_command
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.commands import AdvanceTime, DecideTask
from domain.errors import (
    CommentRequired,
    DomainError,
    ParticipantNotActive,
    PersonNotAllowed,
    TaskAlreadyDecided,
    UnknownTask,
)
from domain.events import ParticipantEvent, parse_participant_event
from domain.participant import ParticipantState, decide, due, fold, initial_state, next_wakeup
from domain.phases import Phase
from domain.tasks import OUTCOME_RULES, Outcome
from domain.timescale import scaled

PHASE_ORDER = list(Phase)

advance = st.tuples(st.just("advance"), st.floats(min_value=0.0, max_value=12.0))
answer = st.tuples(
    st.just("answer"),
    st.integers(min_value=0, max_value=40),  # which task: open ones first, then any
    st.sampled_from(["assignee", "assignee", "assignee", "P-intruder"]),
    st.sampled_from([Outcome.APPROVE, Outcome.APPROVE, Outcome.REJECT, Outcome.SEND_BACK]),
    st.sampled_from([None, "", "evidence incomplete"]),
)
# The most urgent task approved by its assignee: what keeps a participant moving, so that
# generated runs reach the later phases too.
approve_urgent = st.just(("answer", 0, "assignee", Outcome.APPROVE, None))
unknown = st.tuples(st.just("unknown"))
actions = st.lists(
    st.one_of(advance, approve_urgent, approve_urgent, approve_urgent, answer, unknown),
    min_size=20,
    max_size=120,
)


def expected_refusal(state: ParticipantState, command: DecideTask) -> type[DomainError] | None:
    """The refusal the rules call for, worked out independently of decide()."""
    if not state.is_active:
        return ParticipantNotActive
    task = state.tasks.get(command.task_id)
    if task is None:
        return UnknownTask
    if task.decision is not None:
        return TaskAlreadyDecided
    if command.decided_by != task.assignee:
        return PersonNotAllowed
    if OUTCOME_RULES[command.outcome].needs_comment and not (command.comment or "").strip():
        return CommentRequired
    return None


def command_for(state: ParticipantState, action: tuple[object, ...]) -> DecideTask:
    if action[0] == "unknown":
        return DecideTask(task_id="care_certificate.99", decided_by="P-ops-1", outcome="approve")
    _, index, who, outcome, comment = action
    assert isinstance(index, int)
    open_tasks = state.open_tasks
    every_task = sorted(state.tasks.values(), key=lambda t: t.task_id)
    task = (
        open_tasks[index % len(open_tasks)]
        if open_tasks and index < 30
        else every_task[index % len(every_task)]
    )
    return DecideTask(
        task_id=task.task_id,
        decided_by=task.assignee if who == "assignee" else str(who),
        outcome=outcome,  # type: ignore[arg-type]
        comment=comment,  # type: ignore[arg-type]
    )


@settings(max_examples=150, deadline=None)
@given(
    actions=actions,
    time_scale=st.sampled_from([1.0, 302400.0]),
    version=st.sampled_from(["2024.1", "2025.1"]),
)
def test_any_sequence_of_commands_keeps_the_participant_consistent(
    actions: list[tuple[object, ...]], time_scale: float, version: str
) -> None:
    week = scaled(timedelta(weeks=1), time_scale)
    now = PROGRAMME_START - 2 * week
    state = initial_state("P-1")
    log: list[ParticipantEvent] = decide(
        state, enrol_command(programme_version=version, time_scale=time_scale), now
    )
    state = applied(state, log)

    for action in actions:
        if action[0] == "advance":
            weeks = action[1]
            assert isinstance(weeks, float)
            now += week * weeks
            events = decide(state, AdvanceTime(), now)
        else:
            command = command_for(state, action)
            caught_up = applied(state, due(state, now))
            refusal = expected_refusal(caught_up, command)
            try:
                events = decide(state, command, now)
            except DomainError as refused:
                assert type(refused) is refusal, (refused, refusal)
                continue  # a refusal returns nothing, so the state stays as it was
            assert refusal is None
        after = applied(state, events)
        # The phase never goes backwards, and nothing is dated before what came earlier.
        before_index = PHASE_ORDER.index(state.phase) if state.phase else -1
        assert after.phase is not None
        assert PHASE_ORDER.index(after.phase) >= before_index
        times = [e.at for e in events]
        assert times == sorted(times)
        assert state.as_of is None or not times or times[0] >= state.as_of
        # due() is idempotent: once its own output is applied nothing more is due.
        assert due(after, now) == []
        wakeup = next_wakeup(after)
        if wakeup is not None:
            assert wakeup > now
            assert due(after, wakeup - timedelta(microseconds=1)) == []
            assert due(after, wakeup) != []
        state = after
        log.extend(events)

    assert fold(log, "P-1") == state
    assert state.version == len(log)


@settings(max_examples=100, deadline=None)
@given(actions=actions)
def test_every_event_survives_a_json_round_trip(actions: list[tuple[object, ...]]) -> None:
    now = PROGRAMME_START - timedelta(weeks=2)
    state = initial_state("P-1")
    log: list[ParticipantEvent] = decide(state, enrol_command(), now)
    state = applied(state, log)
    for action in actions:
        if action[0] == "advance":
            now += timedelta(weeks=action[1])  # type: ignore[arg-type]
            events = decide(state, AdvanceTime(), now)
        else:
            try:
                events = decide(state, command_for(state, action), now)
            except DomainError:
                continue
        state = applied(state, events)
        log.extend(events)
    for event in log:
        assert parse_participant_event(event.model_dump(mode="json")) == event
        assert parse_participant_event(event.model_dump(mode="json")).model_dump() == (
            event.model_dump()
        )


def test_a_late_wakeup_records_the_same_dates_as_a_punctual_one() -> None:
    """Dates come from the state, not from when the workflow happened to wake."""
    start = PROGRAMME_START - timedelta(weeks=1)
    state = applied(initial_state("P-1"), decide(initial_state("P-1"), enrol_command(), start))
    punctual: list[ParticipantEvent] = []
    punctual_state = state
    late = datetime(2028, 6, 1, tzinfo=PROGRAMME_START.tzinfo)
    while (wakeup := next_wakeup(punctual_state)) is not None and wakeup <= late:
        events = due(punctual_state, wakeup)
        punctual_state = applied(punctual_state, events)
        punctual.extend(events)
    assert due(state, late) == punctual
