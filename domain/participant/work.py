"""The work behind the sign-offs, as a participant's record keeps it: the evidence for each
Care Certificate standard and the outplacement reports they hand in (every version), and
the forms and signatures of their progress reviews.

Models only: what may be handed in, answered or signed, and when, is
domain.participant.evidence and domain.participant.reviews.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.data_protection.personal import PersonalText
from domain.documents import DocumentRef
from domain.instants import UtcDatetime
from domain.roles import Role


class EvidenceKind(StrEnum):
    KNOWLEDGE = "knowledge"  # what they know: answers, a workbook, a course certificate
    OBSERVATION = "observation"  # a record of their practice observed at work


class EvidenceItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    item: int  # numbered from 1 per standard
    kind: EvidenceKind
    text: str
    documents: tuple[DocumentRef, ...] = ()
    added_by: str
    added_at: UtcDatetime


class HandedIn(BaseModel):
    """One version of the work handed in for review: evidence items, or a report."""

    model_config = ConfigDict(frozen=True)

    version: int  # numbered from 1 per sign-off
    items: tuple[int, ...] = ()  # evidence: the items this version holds
    text: str | None = None  # a report: its text
    documents: tuple[DocumentRef, ...] = ()  # a report: its files
    submitted_by: str
    submitted_at: UtcDatetime


class WorkRecord(BaseModel):
    """What the participant has put on record for one sign-off ("care_certificate.3",
    "outplacement_report.1"): evidence items as they add them, and each version handed in."""

    model_config = ConfigDict(frozen=True)

    key: str
    items: tuple[EvidenceItem, ...] = ()
    versions: tuple[HandedIn, ...] = ()

    @property
    def latest(self) -> HandedIn | None:
        return self.versions[-1] if self.versions else None

    @property
    def items_not_handed_in(self) -> tuple[EvidenceItem, ...]:
        handed_in = set(self.latest.items) if self.latest else set()
        return tuple(item for item in self.items if item.item not in handed_in)

    def items_of(self, version: HandedIn) -> tuple[EvidenceItem, ...]:
        return tuple(item for item in self.items if item.item in version.items)

    def documents(self) -> tuple[DocumentRef, ...]:
        """Every file on this record, in every version."""
        found = [doc for item in self.items for doc in item.documents]
        found += [doc for version in self.versions for doc in version.documents]
        return tuple(found)


# --- progress reviews ----------------------------------------------------------------------


class Signatory(StrEnum):
    """The three parts of a tripartite review, each of whom signs it."""

    PARTICIPANT = "participant"
    EMPLOYER = "employer"  # the Registered Manager or the employer mentor
    DEVELOPMENT_LEAD = "development_lead"

    @property
    def in_words(self) -> str:
        return self.value.replace("_", " ")


class AgreedAction(BaseModel):
    """An action agreed at a review: what, who does it, by when."""

    model_config = ConfigDict(frozen=True)

    what: PersonalText = Field(min_length=1)
    owner: str = Field(min_length=1)  # a person id on the participant's record
    due: date


class ReviewAction(AgreedAction):
    """An agreed action as the record numbers it: "3.2" is review 3's second."""

    number: str


class ManagementSummary(BaseModel):
    """Management time as the record had it when the form was filled in."""

    model_config = ConfigDict(frozen=True)

    target: float  # the phase's share off the floor; 0 where the phase has none
    share: float | None  # over the latest window recorded; None before a window's worth
    weeks_recorded: int
    weeks_verified: int


class ReviewForm(BaseModel):
    """One version of a review's form, as the Development Lead filled it in."""

    model_config = ConfigDict(frozen=True)

    version: int
    progress: str  # since the last review
    actions: tuple[ReviewAction, ...]  # agreed now
    actions_completed: tuple[str, ...]  # earlier reviews' actions done since
    concerns: str  # empty: none
    wellbeing: str
    management: ManagementSummary
    drafted_by: str
    drafted_at: UtcDatetime


class ReviewSignature(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int  # of the form signed
    signatory: Signatory
    signed_by: str
    role: Role
    signed_at: UtcDatetime


class ReviewReturn(BaseModel):
    """A form sent back before all three signed: its signatures no longer count."""

    model_config = ConfigDict(frozen=True)

    version: int
    by: str
    reason: str
    at: UtcDatetime


class ProgressReview(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    forms: tuple[ReviewForm, ...] = ()
    signatures: tuple[ReviewSignature, ...] = ()
    returns: tuple[ReviewReturn, ...] = ()

    @property
    def form(self) -> ReviewForm | None:
        return self.forms[-1] if self.forms else None

    @property
    def returned(self) -> ReviewReturn | None:
        """The send-back of the current form, if it was sent back."""
        form = self.form
        if form is None or not self.returns or self.returns[-1].version != form.version:
            return None
        return self.returns[-1]

    @property
    def current_signatures(self) -> tuple[ReviewSignature, ...]:
        form = self.form
        if form is None or self.returned is not None:
            return ()
        return tuple(s for s in self.signatures if s.version == form.version)

    def signature_of(self, signatory: Signatory) -> ReviewSignature | None:
        return next((s for s in self.current_signatures if s.signatory == signatory), None)

    @property
    def waiting_for(self) -> tuple[Signatory, ...]:
        return tuple(part for part in Signatory if self.signature_of(part) is None)

    @property
    def fully_signed(self) -> bool:
        return self.form is not None and not self.waiting_for
