"""The mail that tells ops a home or outplacement host is flagged for poor placement
ratings, with the evidence: each poor rating's participant, cohort, rater, date and scores
(comments stay in the event store), and a link to the console's Success measures."""

from __future__ import annotations

from collections.abc import Mapping

from domain.measures import PlaceQuality, PoorRating
from domain.programme.feedback import FLAG_AFTER_PARTICIPANTS, PLACEMENT_RUBRIC, POOR_RATING_BELOW
from mail.templates import PLAIN_TEXT, RenderedMail

_FLAG = PLAIN_TEXT.from_string(
    """Dear {{ recipient }},

{{ place.name }} is flagged: the placements of {{ participants }} participants there were
rated below an average of {{ below }} (poor ratings from {{ after }} participants flag a place).
Its {{ place.ratings }} ratings in all have a mean of {{ place.mean }} out of 5.

The poor ratings:
{% for line in evidence %}
- {{ line }}
{% endfor %}

The success measures, with every home's ratings:
{{ console }}/measures#flag-{{ place.place|urlencode }}

Social Care Leaders Scheme
(an automated message: replies are not read)
"""
)


def _words(key: str) -> str:
    return key.replace("_", " ")


def _evidence(poor: PoorRating, names: Mapping[str, str]) -> str:
    scores = ", ".join(
        f"{_words(key)} {poor.scores[key]}"
        for key in PLACEMENT_RUBRIC.question_keys()
        if key in poor.scores
    )
    who = names.get(poor.participant_id, poor.participant_id)
    return (
        f"{who} ({poor.cohort_id or 'no cohort'}), by the {_words(poor.role.value)}, "
        f"on {poor.given_on}:\n  {scores} (mean {poor.mean})"
    )


def placement_flag_mail(
    *, recipient: str, place: PlaceQuality, names: Mapping[str, str], console: str
) -> RenderedMail:
    """`names`: display names of the participants in the evidence, by person id."""
    participants = len({e.participant_id for e in place.poor})
    body = _FLAG.render(
        recipient=recipient,
        place=place,
        participants=participants,
        below=POOR_RATING_BELOW,
        after=FLAG_AFTER_PARTICIPANTS,
        evidence=[_evidence(poor, names) for poor in place.poor],
        console=console.rstrip("/"),
    )
    subject = (
        f"Placement quality: {place.name} flagged ({participants} participants rated it poorly)"
    )
    return RenderedMail(subject=subject, body=body)
