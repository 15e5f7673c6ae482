"""What the scheme asks people to rate, answer and assess so that its success can be
measured (Programme Manual, "Success measures"; section 1.2's "a system for the Scheme
to assess the quality of placements, learning and support"): the placement rubric, the
phase surveys, the feedback ops gather from people receiving care, and the Leadership
Qualities Framework (LQF) assessed at the start, the end of year one and the end of
year two. Programme data: a version that asks for feedback names it in its
`FeedbackPlan` (domain.programme.definition).

Each is a `Form`: questions answered on a scale, and one free-text comment kept apart
from the scores (the comment is personal content; the scores are what reports count).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.errors import InvalidFeedback
from domain.programme.phases import Phase
from domain.roles import Role


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    text: str


class Form(BaseModel):
    """Questions answered each with a whole number from `lowest` to `highest`."""

    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    questions: tuple[Question, ...]
    lowest: int
    highest: int
    scale: tuple[str, ...]  # what each point means, lowest first
    comment_prompt: str

    def question_keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)

    def check(self, scores: Mapping[str, int]) -> None:
        """Refuses answers that leave a question out, add one, or fall off the scale."""
        missing = [q.key for q in self.questions if q.key not in scores]
        unknown = sorted(set(scores) - set(self.question_keys()))
        problems = []
        if missing:
            problems.append(f"no answer to {', '.join(missing)}")
        if unknown:
            problems.append(f"no such question as {', '.join(unknown)}")
        problems.extend(
            f"{key} is {value}, not between {self.lowest} and {self.highest}"
            for key, value in scores.items()
            if key in self.question_keys() and not self.lowest <= value <= self.highest
        )
        if problems:
            raise InvalidFeedback(f"{self.title}: {'; '.join(problems)}")


def _scale(*words: str) -> tuple[str, ...]:
    return words


_FIVE_POINTS = _scale("poor", "weak", "adequate", "good", "excellent")
_AGREE = _scale("strongly disagree", "disagree", "neither", "agree", "strongly agree")

# --- placement quality -------------------------------------------------------------------

PLACEMENT_RUBRIC = Form(
    key="placement_rating",
    title="Placement rating",
    questions=(
        Question(key="learning", text="Learning: what the placement taught"),
        Question(key="support", text="Support: supervision, mentoring and help when needed"),
        Question(
            key="leadership_exposure",
            text="Leadership exposure: seeing and doing the work of leading a service",
        ),
        Question(
            key="safety_culture",
            text="Safety culture: safe practice, and concerns raised and heard",
        ),
    ),
    lowest=1,
    highest=5,
    scale=_FIVE_POINTS,
    comment_prompt="What made the placement what it was (kept with the rating, not counted)",
)
# A rating whose criteria average below "adequate" is poor; a home or host with poor
# ratings of the placements of this many different participants is flagged to ops.
POOR_RATING_BELOW = 3.0
FLAG_AFTER_PARTICIPANTS = 2


def poor_placement_rating(form: str, scores: Mapping[str, int]) -> bool:
    """Whether an answer is a placement rating whose criteria average below adequate."""
    return (
        form == PLACEMENT_RUBRIC.key
        and bool(scores)
        and sum(scores.values()) / len(scores) < POOR_RATING_BELOW
    )


# --- surveys -----------------------------------------------------------------------------

PARTICIPANT_SURVEY = Form(
    key="participant_survey",
    title="Participant survey",
    questions=(
        Question(key="learnt", text="I learnt what this part of the programme set out to teach"),
        Question(key="supported", text="I was well supported by the scheme and my employer"),
        Question(key="workload", text="The workload was manageable alongside my learning"),
        Question(key="recommend", text="I would recommend the scheme to a friend"),
    ),
    lowest=1,
    highest=5,
    scale=_AGREE,
    comment_prompt="Anything else the scheme should know",
)

EMPLOYER_SURVEY = Form(
    key="employer_survey",
    title="Employer survey",
    questions=(
        Question(key="contribution", text="The participant contributed well to the service"),
        Question(key="scheme_support", text="The scheme supported us well as their employer"),
        Question(key="readiness", text="The participant is developing as a leader as hoped"),
        Question(key="host_again", text="We would host scheme participants again"),
    ),
    lowest=1,
    highest=5,
    scale=_AGREE,
    comment_prompt="Anything else the scheme should know",
)

CARE_FEEDBACK = Form(
    key="care_feedback",
    title="Feedback from people receiving care",
    questions=(
        Question(key="respect", text="They treated me with dignity and respect"),
        Question(key="listened", text="They listened to what I wanted"),
        Question(key="safe", text="I felt safe with them"),
        Question(key="difference", text="They made a difference to my care"),
    ),
    lowest=1,
    highest=5,
    scale=_AGREE,
    comment_prompt="What the person said, in their words (gathered with their consent)",
)

# --- the Leadership Qualities Framework ----------------------------------------------------


class LqfDimension(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    title: str
    elements: tuple[Question, ...]
    senior_only: bool = False


def _dimension(key: str, title: str, *elements: tuple[str, str]) -> LqfDimension:
    return LqfDimension(
        key=key,
        title=title,
        elements=tuple(Question(key=f"{key}.{e}", text=text) for e, text in elements),
    )


LQF_DIMENSIONS: tuple[LqfDimension, ...] = (
    _dimension(
        "personal_qualities",
        "Demonstrating personal qualities",
        ("self_awareness", "Developing self-awareness"),
        ("managing_yourself", "Managing yourself"),
        ("personal_development", "Continuing personal development"),
        ("integrity", "Acting with integrity"),
    ),
    _dimension(
        "working_with_others",
        "Working with others",
        ("networks", "Developing networks"),
        ("relationships", "Building and maintaining relationships"),
        ("contribution", "Encouraging contribution"),
        ("teams", "Working within teams"),
    ),
    _dimension(
        "managing_services",
        "Managing services",
        ("planning", "Planning"),
        ("resources", "Managing resources"),
        ("people", "Managing people"),
        ("performance", "Managing performance"),
    ),
    _dimension(
        "improving_services",
        "Improving services",
        ("safety", "Ensuring the safety of people who use services"),
        ("evaluating", "Critically evaluating"),
        ("innovation", "Encouraging improvement and innovation"),
        ("transformation", "Facilitating transformation"),
    ),
    _dimension(
        "setting_direction",
        "Setting direction",
        ("contexts", "Identifying the contexts for change"),
        ("evidence", "Applying knowledge and evidence"),
        ("decisions", "Making decisions"),
        ("impact", "Evaluating impact"),
    ),
    # The framework's last two dimensions are for senior staff; the strategy document
    # does not list their elements for the front line, and a graduate becomes a
    # Registered Manager (an operational leader), so participants are not assessed on them.
    LqfDimension(
        key="creating_the_vision", title="Creating the vision", elements=(), senior_only=True
    ),
    LqfDimension(
        key="delivering_the_strategy",
        title="Delivering the strategy",
        elements=(),
        senior_only=True,
    ),
)

ASSESSED_DIMENSIONS: tuple[LqfDimension, ...] = tuple(
    d for d in LQF_DIMENSIONS if not d.senior_only
)

LQF_LEVELS = _scale(
    "front-line worker", "front-line leader", "operational leader", "strategic leader"
)

LQF_ASSESSMENT = Form(
    key="lqf_assessment",
    title="Leadership Qualities Framework assessment",
    questions=tuple(element for d in ASSESSED_DIMENSIONS for element in d.elements),
    lowest=1,
    highest=len(LQF_LEVELS),
    scale=LQF_LEVELS,
    comment_prompt="Strengths seen, and what to work on next",
)


def dimension_of(element_key: str) -> str:
    return element_key.split(".", 1)[0]


class LqfPoint(StrEnum):
    """When the LQF is assessed: at the start, the end of year one, the end of year two."""

    START = "start"
    END_OF_YEAR_ONE = "end_of_year_one"
    END_OF_YEAR_TWO = "end_of_year_two"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# Self-assessment, and the 360 degrees around the participant.
LQF_ASSESSORS: tuple[Role, ...] = (
    Role.PARTICIPANT,
    Role.REGISTERED_MANAGER,
    Role.EMPLOYER_MENTOR,
    Role.DEVELOPMENT_LEAD,
)

# --- when, and for how long --------------------------------------------------------------


class FeedbackPlan(BaseModel):
    """When a programme version asks for feedback. Feedback never holds a participant's
    programme back: it is not a sign-off, it never turns their RAG status amber, and a
    question nobody answers closes unanswered (`lapses_after`) rather than stay open."""

    model_config = ConfigDict(frozen=True)

    # Surveys about a phase open when it completes; the last phase's survey (the
    # programme as a whole) opens when it starts, so it can be answered before the end.
    surveyed_phases: tuple[Phase, ...]
    closing_survey_phase: Phase
    # The care placement is rated when it completes, each outplacement when it ends.
    rated_phase: Phase
    # Each LQF point opens when the phase starts.
    lqf_points: tuple[tuple[LqfPoint, Phase], ...]
    # Closed unanswered this long after falling due (when it falls due, and how it is
    # reminded, is the task policy's).
    lapses_after: timedelta


FEEDBACK_PLAN = FeedbackPlan(
    surveyed_phases=(
        Phase.SUMMER_INSTITUTE,
        Phase.CARE_PLACEMENT,
        Phase.FIRST_LINE_MANAGEMENT,
        Phase.TOWARDS_REGISTERED_MANAGER,
    ),
    closing_survey_phase=Phase.RM_READINESS,
    rated_phase=Phase.CARE_PLACEMENT,
    lqf_points=(
        (LqfPoint.START, Phase.SUMMER_INSTITUTE),
        # The 60/40 phase starts a year after the Institute (7 + 13 + 32 weeks).
        (LqfPoint.END_OF_YEAR_ONE, Phase.TOWARDS_REGISTERED_MANAGER),
        # RM readiness is the last eight weeks of year two.
        (LqfPoint.END_OF_YEAR_TWO, Phase.RM_READINESS),
    ),
    lapses_after=timedelta(weeks=3),
)

# Who answers which survey: the employer's survey goes to the home's Registered Manager.
SURVEY_RESPONDENTS: tuple[tuple[Role, Form], ...] = (
    (Role.PARTICIPANT, PARTICIPANT_SURVEY),
    (Role.REGISTERED_MANAGER, EMPLOYER_SURVEY),
)
PLACEMENT_RATERS: tuple[Role, ...] = (Role.PARTICIPANT, Role.DEVELOPMENT_LEAD)
