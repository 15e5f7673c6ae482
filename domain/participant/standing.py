"""Where a participant stands, as a cohort's counts see them: status, phase and RAG, and
the rules that read them (who is on the programme, who is at risk). A participant's state
gives its standing; a read model's columns give the same, so the two count alike."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.programme.phases import ParticipantStatus, Phase
from domain.rag import RagStatus

# How counts and read models name the status of someone not enrolled yet.
NOT_ENROLLED = "not_enrolled"


class Standing(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: ParticipantStatus | None  # None until enrolled
    phase: Phase | None
    rag: RagStatus

    @classmethod
    def named(cls, status: str, phase: str | None, rag: str) -> Standing:
        """From the names a read model keeps (status_name, the phase's and RAG's values)."""
        return cls(
            status=None if status == NOT_ENROLLED else ParticipantStatus(status),
            phase=None if phase is None else Phase(phase),
            rag=RagStatus(rag),
        )

    @property
    def status_name(self) -> str:
        return self.status.value if self.status is not None else NOT_ENROLLED

    @property
    def on_programme(self) -> bool:
        return self.status is not None and self.status.on_programme

    @property
    def at_risk(self) -> bool:
        """On the programme with an amber or red RAG status."""
        return self.on_programme and self.rag != RagStatus.GREEN
