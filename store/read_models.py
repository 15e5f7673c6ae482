"""Every read model the event store keeps, in the order they are updated."""

from __future__ import annotations

from store.cohort_summary import COHORT_SUMMARY
from store.participant_progress import PARTICIPANT_PROGRESS
from store.projections import Projections

PROJECTIONS = Projections([PARTICIPANT_PROGRESS, COHORT_SUMMARY])
