"""The retention policy: how long personal data is kept, and who may be forgotten.

A participant on the programme is never forgotten: their record is still being written.
Once they have left (completed or withdrawn) they may be forgotten on request, and are
forgotten by the nightly run when the policy's period since they left has passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import ForgettingRefused
from domain.participant.state import ParticipantState


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_years: int = Field(ge=1, description="personal content after they leave")
    sign_in_days: int = Field(ge=1, description="console sessions and sign-in links")
    mail_body_days: int = Field(ge=1, description="bodies of mail sent")

    def participant_cut_off(self, now: datetime) -> datetime:
        """Participants who left before this instant are due to be forgotten."""
        return now - timedelta(days=round(365.25 * self.participant_years))

    def sign_in_cut_off(self, now: datetime) -> datetime:
        return now - timedelta(days=self.sign_in_days)

    def mail_body_cut_off(self, now: datetime) -> datetime:
        return now - timedelta(days=self.mail_body_days)


def left_at(state: ParticipantState) -> datetime | None:
    """When the participant left the programme (completed or withdrew), if they have."""
    if state.withdrawal is not None:
        return state.withdrawal.withdrawn_at
    return state.completed_at if state.has_left else None


def refuse_forgetting(
    person_id: str, state: ParticipantState | None, forgotten_at: datetime | None
) -> None:
    """Raise ForgettingRefused, saying why, unless `person_id` may be forgotten now."""
    if forgotten_at is not None:
        raise ForgettingRefused(
            f"{person_id} was already forgotten on {forgotten_at:%Y-%m-%d}: nothing is left "
            "to erase"
        )
    if state is None or state.enrolment is None:
        raise ForgettingRefused(
            f"{person_id} is not a participant on record: only a participant's record is "
            "kept under a key of their own and can be forgotten"
        )
    if not state.has_left:
        raise ForgettingRefused(
            f"{person_id} is still on the programme ({state.status}): a running "
            "participant is never forgotten; they must complete or withdraw first"
        )


def due_to_be_forgotten(state: ParticipantState, policy: RetentionPolicy, now: datetime) -> bool:
    """Whether the policy's period since the participant left has passed."""
    left = left_at(state)
    return left is not None and left < policy.participant_cut_off(now)
