"""Every read model the event store keeps, in the order they are updated.

The task inbox and the session cadence read the participant state PARTICIPANT_PROGRESS has
just written in the same transaction, so they must come after it.
"""

from __future__ import annotations

from store.alumni import ALUMNI_RECORDS
from store.cohort_summary import COHORT_SUMMARY
from store.inbox import TaskInboxProjector
from store.intervention_cases import INTERVENTION_CASES
from store.participant_progress import PARTICIPANT_PROGRESS
from store.projections import Projections
from store.session_cadence import SessionCadenceProjector

TASK_INBOX = TaskInboxProjector(PARTICIPANT_PROGRESS)
SESSION_CADENCE = SessionCadenceProjector(PARTICIPANT_PROGRESS)

PROJECTIONS = Projections(
    [
        PARTICIPANT_PROGRESS,
        TASK_INBOX,
        SESSION_CADENCE,
        COHORT_SUMMARY,
        INTERVENTION_CASES,
        ALUMNI_RECORDS,
    ]
)
