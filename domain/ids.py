"""Workflow ids, which are also the event streams' names: one per participant, cohort,
intervention case and alumnus. Made of opaque ids only, never a name or an email, because anyone who
can list workflows in Temporal sees them."""

from __future__ import annotations

PARTICIPANT_PREFIX = "participant-"
COHORT_PREFIX = "cohort-"
INTERVENTION_PREFIX = "intervention-"
ALUMNI_PREFIX = "alumni-"


def participant_workflow_id(participant_id: str) -> str:
    """The participant's workflow, and the stream of their events."""
    return f"{PARTICIPANT_PREFIX}{participant_id}"


def cohort_workflow_id(cohort_id: str) -> str:
    """The cohort's workflow, and the stream of its events."""
    return f"{COHORT_PREFIX}{cohort_id}"


def intervention_workflow_id(participant_id: str, case_number: int) -> str:
    """An intervention case's workflow, and the stream of its case file."""
    return f"{INTERVENTION_PREFIX}{participant_id}-{case_number}"


def key_of(workflow_id: str, prefix: str) -> str:
    """What follows the prefix: the participant, cohort or case key of a workflow id."""
    if not workflow_id.startswith(prefix):
        raise ValueError(f"{workflow_id!r} does not start with {prefix!r}")
    return workflow_id.removeprefix(prefix)


def alumni_workflow_id(person_id: str) -> str:
    """An alumnus' workflow after the programme, and the stream of their alumni record."""
    return f"{ALUMNI_PREFIX}{person_id}"
