"""Every read model the event store keeps, in the order they are updated.

The task inbox reads the participant state PARTICIPANT_PROGRESS has just written in the
same transaction, so it must come after it.
"""

from __future__ import annotations

from store.cohort_summary import COHORT_SUMMARY
from store.inbox import TaskInboxProjector
from store.intervention_cases import INTERVENTION_CASES
from store.participant_progress import PARTICIPANT_PROGRESS
from store.projections import Projections

TASK_INBOX = TaskInboxProjector(PARTICIPANT_PROGRESS)

PROJECTIONS = Projections([PARTICIPANT_PROGRESS, TASK_INBOX, COHORT_SUMMARY, INTERVENTION_CASES])
