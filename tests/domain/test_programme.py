"""The programme data matches the Programme Manual and DOMAIN.md."""

from datetime import timedelta

import pytest

from domain.errors import InvalidTimeScale, UnknownProgrammeVersion
from domain.participant.decide import decide
from domain.participant.events import TaskOpened
from domain.participant.state import initial_state
from domain.programme.care_certificate import CARE_CERTIFICATE_STANDARDS, CareCertificateVersion
from domain.programme.definition import PROGRAMMES, Programme, get_programme
from domain.programme.phases import Phase
from domain.programme.task_policy import policy_for
from domain.programme.tasks import TaskKind
from domain.roles import Role
from domain.timescale import scaled
from tests.domain.domain_builders import PROGRAMME_START, applied, enrol_command, run_programme


@pytest.fixture(params=sorted(PROGRAMMES))
def programme(request: pytest.FixtureRequest) -> Programme:
    return PROGRAMMES[request.param]


def test_phases_run_in_the_manuals_order(programme: Programme) -> None:
    assert [p.phase for p in programme.phases] == list(Phase)
    assert [programme.next_phase(p) for p in Phase] == [*list(Phase)[1:], None]


def test_the_programme_lasts_104_weeks(programme: Programme) -> None:
    assert programme.total_duration == timedelta(weeks=104)
    assert programme.phase(Phase.ENROLMENT).duration == timedelta()
    assert [p.management_share for p in programme.phases] == [0.0, 0.0, 0.0, 0.2, 0.4, 0.4]


def test_care_certificate_versions() -> None:
    v2015 = CARE_CERTIFICATE_STANDARDS[CareCertificateVersion.V2015]
    v2025 = CARE_CERTIFICATE_STANDARDS[CareCertificateVersion.V2025]
    assert len(v2015) == 15 and len(v2025) == 16
    assert v2015[3].title == "Equality and diversity"
    assert v2025[3].title == "Equality, diversity, inclusion and human rights"
    assert v2025[15].title == "Awareness of learning disability and autism"
    assert [s.title for s in v2015[4:]] == [s.title for s in v2025[4:15]]


def test_care_placement_needs_every_standard_and_a_placement_review() -> None:
    for version, standards in (("2024.1", 15), ("2025.1", 16)):
        sign_offs = get_programme(version).sign_offs_for(Phase.CARE_PLACEMENT)
        assert [s.key for s in sign_offs] == [
            *(f"care_certificate.{n}" for n in range(1, standards + 1)),
            "placement_review",
        ]
        assert {s.role for s in sign_offs[:-1]} == {Role.ASSESSOR}
        assert sign_offs[-1].role == Role.REGISTERED_MANAGER


def test_rm_readiness_needs_two_signatures_and_fit_and_proper(programme: Programme) -> None:
    sign_offs = programme.sign_offs_for(Phase.RM_READINESS)
    assert [(s.key, s.role) for s in sign_offs] == [
        ("readiness.development_lead", Role.DEVELOPMENT_LEAD),
        ("readiness.registered_manager", Role.REGISTERED_MANAGER),
        ("fit_and_proper", Role.OPS),
    ]


def test_outplacements_and_their_reports_fit_inside_their_phase(programme: Programme) -> None:
    assert [(o.number, o.year, o.phase) for o in programme.outplacements] == [
        (1, 1, Phase.FIRST_LINE_MANAGEMENT),
        (2, 2, Phase.TOWARDS_REGISTERED_MANAGER),
        (3, 2, Phase.TOWARDS_REGISTERED_MANAGER),
    ]
    report_due_within = policy_for(TaskKind.OUTPLACEMENT_REPORT).due_within
    assert report_due_within is not None
    for o in programme.outplacements:
        assert o.duration == timedelta(weeks=4)
        report_due = o.starts_after + o.duration + report_due_within
        assert report_due <= programme.phase(o.phase).duration
    second, third = programme.outplacements[1:]
    assert second.starts_after + second.duration <= third.starts_after
    assert "outplacement_report.2" in programme.requirements_for(Phase.TOWARDS_REGISTERED_MANAGER)


def test_six_two_day_conferences_across_the_two_years(programme: Programme) -> None:
    conferences = programme.conferences
    assert [c.number for c in conferences] == [1, 2, 3, 4, 5, 6]
    weeks = [c.weeks_after_programme_start for c in conferences]
    assert weeks == sorted(weeks)
    assert any(w < 52 for w in weeks) and any(w >= 52 for w in weeks)
    assert all(w + 1 <= 104 for w in weeks)
    assert {c.duration for c in conferences} == {timedelta(days=2)}


def test_level5_has_the_eight_topic_areas(programme: Programme) -> None:
    assert len(programme.level5_topics) == 8
    assert programme.level5_topics[0].title == "Leading and managing in adult social care"


def test_unknown_programme_version_lists_the_known_ones() -> None:
    with pytest.raises(UnknownProgrammeVersion) as refused:
        get_programme("2023.9")
    assert str(refused.value) == (
        "unknown programme version '2023.9'; known versions: 2024.1, 2025.1, 2026.1, 2026.2"
    )


def test_time_scale_compresses_durations() -> None:
    assert scaled(timedelta(weeks=1), 302400.0) == timedelta(seconds=2)
    assert scaled(timedelta(weeks=3), 1.0) == timedelta(weeks=3)
    with pytest.raises(InvalidTimeScale):
        scaled(timedelta(weeks=1), 0.5)


def test_every_requirement_is_named_as_its_task_will_be() -> None:
    """The participant page names a requirement not yet asked by the title its task will
    have when the timetable opens it."""
    enrolled_at = PROGRAMME_START - timedelta(weeks=4)
    for version, programme in PROGRAMMES.items():
        state = initial_state("P-1")
        enrolment = decide(state, enrol_command(programme_version=version), enrolled_at)
        _, events = run_programme(applied(state, enrolment), enrolled_at)
        opened = {
            (e.phase, e.task_id): e.title
            for e in [*enrolment, *events]
            if isinstance(e, TaskOpened) and e.phase is not None
        }
        for definition in programme.phases:
            for key in programme.requirements_for(definition.phase):
                title = programme.requirement_title(definition.phase, key)
                assert opened[(definition.phase, key)] == title, (version, key)
