"""Every read model the event store keeps, in the order they are updated."""

from __future__ import annotations

from store.participant_progress import ParticipantProgressProjector
from store.projections import Projections

PROJECTIONS = Projections([ParticipantProgressProjector()])
