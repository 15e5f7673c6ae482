"""Properties of the participant decider under any sequence of answers and time passing."""

from datetime import datetime, timedelta

from domain_builders import PROGRAMME_START, applied, enrol_command
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import (
    CommentRequired,
    DomainError,
    OutcomeNotAllowed,
    ParticipantNotActive,
    PersonNotAllowed,
    TaskAlreadyDecided,
    UnknownTask,
)
from domain.participant.commands import AdvanceTime, DecideTask, Delegate, ReassignTask
from domain.participant.decide import decide, refuse
from domain.participant.events import (
    DecisionRefused,
    ParticipantEvent,
    TaskDecided,
    TaskEscalated,
    TaskReassigned,
    TaskReminderDue,
    parse_participant_event,
)
from domain.participant.evolve import fold
from domain.participant.state import ParticipantState, initial_state
from domain.participant.timeline import due, next_wakeup
from domain.programme.phases import Phase
from domain.programme.task_policy import TASK_POLICIES
from domain.programme.tasks import Outcome, TaskStatus
from domain.timescale import scaled

PHASE_ORDER = list(Phase)

advance = st.tuples(st.just("advance"), st.floats(min_value=0.0, max_value=12.0))
answer = st.tuples(
    st.just("answer"),
    st.integers(min_value=0, max_value=40),  # which task: open ones first, then any
    st.sampled_from(["assignee", "assignee", "assignee", "P-intruder", "P-deputy", "P-mentor-1"]),
    st.sampled_from(
        [Outcome.APPROVE, Outcome.APPROVE, Outcome.REJECT, Outcome.SEND_BACK, *Outcome]
    ),
    st.sampled_from([None, "", "evidence incomplete"]),
)
# The most urgent task's assignee hands their tasks to P-deputy for a while, from some
# time around now; or ops hands the most urgent task to someone else.
delegate = st.tuples(
    st.just("delegate"),
    st.floats(min_value=-1.0, max_value=4.0),
    st.floats(min_value=0.0, max_value=6.0),
)
reassign = st.tuples(st.just("reassign"), st.sampled_from(["P-other", "P-deputy"]))
# The most urgent task approved by its assignee: what keeps a participant moving, so that
# generated runs reach the later phases too.
approve_urgent = st.just(("answer", 0, "assignee", Outcome.APPROVE, None))
unknown = st.tuples(st.just("unknown"))
actions = st.lists(
    st.one_of(
        advance, approve_urgent, approve_urgent, approve_urgent, answer, unknown, delegate, reassign
    ),
    min_size=20,
    max_size=120,
)


def expected_refusal(
    state: ParticipantState, command: DecideTask, now: datetime
) -> type[DomainError] | None:
    """The refusal the rules call for, worked out independently of decide()."""
    if not state.is_active:
        return ParticipantNotActive
    task = state.tasks.get(command.task_id)
    if task is None:
        return UnknownTask
    if task.decision is not None:
        return TaskAlreadyDecided
    policy = TASK_POLICIES[task.kind]
    own = {task.assignee} | {state.person_for(role) for role in policy.also_decided_by}
    deputy = any(
        d.to_person == command.decided_by and d.from_person in own and d.starts_at <= now < d.until
        for d in state.delegations
    )
    if command.decided_by not in own and not deputy:
        return PersonNotAllowed
    if policy.distinct_signers and any(
        other.kind == task.kind
        and other.phase == task.phase
        and other.key != task.key
        and other.status == TaskStatus.APPROVED
        and other.decision is not None
        and other.decision.decided_by == command.decided_by
        for other in state.tasks.values()
    ):
        return PersonNotAllowed
    if command.outcome not in policy.outcomes:
        return OutcomeNotAllowed
    if policy.outcomes[command.outcome].needs_comment and not (command.comment or "").strip():
        return CommentRequired
    return None


def other_command(
    state: ParticipantState, action: tuple[object, ...], now: datetime, week: timedelta
) -> Delegate | ReassignTask | None:
    """A delegation or reassignment of the most urgent task, if there is one."""
    if not state.open_tasks:
        return None
    task = state.open_tasks[0]
    if action[0] == "reassign":
        return ReassignTask(task_id=task.task_id, to_person=str(action[1]), by="P-ops-1")
    starts_in, lasts = action[1], action[2]
    assert isinstance(starts_in, float) and isinstance(lasts, float)
    starts_at = now + week * starts_in
    return Delegate(
        from_person=task.assignee,
        to_person="P-deputy",
        starts_at=starts_at,
        until=starts_at + week * lasts,
        by="P-ops-1",
    )


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
        elif action[0] in ("delegate", "reassign"):
            other = other_command(state, action, now, week)
            if other is None:
                continue
            try:
                events = decide(state, other, now)
            except DomainError:
                continue  # refusals are the subject of the example-based tests
        else:
            command = command_for(state, action)
            caught_up = applied(state, due(state, now))
            refusal = expected_refusal(caught_up, command, now)
            try:
                events = decide(state, command, now)
            except DomainError as refused:
                assert type(refused) is refusal, (refused, refusal)
                # Refused by Signal: on record, but nothing of the decision is applied.
                events = refuse(state, command, refused, now)
                assert isinstance(events[-1], DecisionRefused)
                recorded = applied(caught_up, events[-1:])
                assert recorded.tasks == caught_up.tasks
                assert recorded.model_dump(exclude={"version", "as_of"}) == caught_up.model_dump(
                    exclude={"version", "as_of"}
                )
            else:
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
    assert_nothing_is_chased_after_it_closes(log)


def assert_nothing_is_chased_after_it_closes(log: list[ParticipantEvent]) -> None:
    closed: set[str] = set()
    for event in log:
        if isinstance(event, TaskDecided):
            closed.add(event.task_id)
        if isinstance(event, TaskReminderDue | TaskEscalated | TaskReassigned):
            assert event.task_id not in closed, event


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
        elif action[0] in ("delegate", "reassign"):
            other = other_command(state, action, now, timedelta(weeks=1))
            try:
                events = decide(state, other, now) if other is not None else []
            except DomainError:
                continue
        else:
            command = command_for(state, action)
            try:
                events = decide(state, command, now)
            except DomainError as refused:
                events = refuse(state, command, refused, now)
        state = applied(state, events)
        log.extend(events)
    # The progress read model stores the state as JSON and reads it back.
    assert ParticipantState.model_validate(state.model_dump(mode="json")) == state
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
