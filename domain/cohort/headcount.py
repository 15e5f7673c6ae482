"""A cohort's headcount: how many participants in each status, and of those on the
programme how many in each phase and RAG status, and how many at risk. One rule for
every place that counts a cohort (its status, its workflow's summary, the dashboard,
the cohort list), from participants' states or from a read model's grouped columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from domain.participant.standing import Standing
from domain.programme.phases import Phase
from domain.rag import RagStatus


class Headcount(BaseModel):
    model_config = ConfigDict(frozen=True)

    participants: int = 0
    per_status: dict[str, int] = {}  # active, on_break, completed, withdrawn, not_enrolled
    per_phase: dict[Phase, int] = {}  # those on the programme, in programme order
    rag: dict[RagStatus, int] = {}  # those on the programme
    at_risk: int = 0  # on the programme, amber or red


def headcount(standings: Iterable[tuple[Standing, int]]) -> Headcount:
    """Counts `standings`, each with how many participants stand so."""
    statuses: Counter[str] = Counter()
    phases: Counter[Phase] = Counter()
    rags: Counter[RagStatus] = Counter()
    at_risk = 0
    for standing, count in standings:
        statuses[standing.status_name] += count
        if standing.on_programme:
            if standing.phase is not None:
                phases[standing.phase] += count
            rags[standing.rag] += count
        if standing.at_risk:
            at_risk += count
    return Headcount(
        participants=statuses.total(),
        per_status=dict(sorted(statuses.items())),
        per_phase={phase: phases[phase] for phase in Phase if phases[phase]},
        rag={status: rags[status] for status in RagStatus if rags[status]},
        at_risk=at_risk,
    )
