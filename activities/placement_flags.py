"""The placement flag activity: after a poor placement rating, whether its home or host is
flagged now, across every participant's ratings (domain.measures), and if so a mail to
the participant's ops lead with the evidence, through the outbox under the rating's key:
sent once however often the activity is retried."""

from __future__ import annotations

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notifications import UNKNOWN_RECIPIENT
from activities.outbox import Delivery, Letter, Outbox
from contracts.placements import FLAG_PLACEMENT, PlacementToCheck
from domain.measures import PlaceQuality, place_quality
from mail.placement_flags import placement_flag_mail
from mail.smtp import SmtpSettings
from store.directory import display_names
from store.measures import homes, participant_states
from store.pool import Connection

KIND = "placement_flagged"


class PlacementFlagActivities:
    def __init__(self, pool: asyncpg.Pool, smtp: SmtpSettings, console_url: str) -> None:
        self._pool = pool
        self._outbox = Outbox(pool, smtp)
        self._console = console_url

    @activity.defn(name=FLAG_PLACEMENT)
    async def flag_placement(self, check: PlacementToCheck) -> bool:
        """Whether the place is flagged; ops are mailed when it is."""
        place = await self._place(check.place)
        if place is None or not place.flagged:
            return False

        async def compose(connection: Connection) -> Letter | Delivery:
            ops = await connection.fetchrow(
                "SELECT display_name, email FROM people WHERE person_id = $1", check.ops_lead
            )
            if ops is None:
                raise ApplicationError(
                    f"ops lead {check.ops_lead!r} is not in the people directory",
                    type=UNKNOWN_RECIPIENT,
                    non_retryable=True,
                )
            names = await display_names(connection, [e.participant_id for e in place.poor])
            mail = placement_flag_mail(
                recipient=ops["display_name"], place=place, names=names, console=self._console
            )
            return Letter(
                recipient=check.ops_lead, email=ops["email"], subject=mail.subject, body=mail.body
            )

        await self._outbox.send(check.idempotency_key, KIND, compose, workflow_id=check.workflow_id)
        return True

    async def _place(self, place: str) -> PlaceQuality | None:
        async with self._pool.acquire() as connection:
            participants = await participant_states(connection)
            directory_homes = await homes(connection)
        return next(
            (p for p in place_quality(participants, directory_homes) if p.place == place), None
        )
