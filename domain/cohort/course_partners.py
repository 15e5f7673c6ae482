"""Course partners: each participant gets a peer from the same cohort (Programme Manual
1.5). Pairing is deterministic so the cohort workflow can replay it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def pair_course_partners(
    participant_ids: Iterable[str], homes: Mapping[str, str] | None = None
) -> dict[str, tuple[str, ...]]:
    """Each participant's partners: consecutive pairs in id order, an odd one out joining
    the last pair as a trio. Given `homes` (participant id -> home id), each participant is
    paired with the next unpaired one from a different home where there is one, because a
    partner from another home brings a view of another setting."""
    unpaired = sorted(set(participant_ids))
    home_of = dict(homes or {})
    groups: list[list[str]] = []
    while len(unpaired) >= 2:
        first = unpaired.pop(0)
        # Without homes every participant looks alike, so this falls back to the next id.
        partner = next(
            (other for other in unpaired if home_of.get(other) != home_of.get(first)),
            unpaired[0],
        )
        unpaired.remove(partner)
        groups.append([first, partner])
    if unpaired:
        if groups:
            groups[-1].append(unpaired[0])
        else:
            groups.append(unpaired)
    return {
        member: tuple(other for other in group if other != member)
        for group in groups
        for member in group
    }
