"""The engine's Temporal Schedules, as code: `scls schedules apply` (and `scls dev` at start)
creates each one, or updates it to what is written here, so applying twice changes
nothing.

Two schedules: the weekly digest (domain/digest.py says when), starting DigestWorkflow,
and the nightly retention run (RetentionWorkflow, docs/data-protection.md), both on the
engine's task queue. A run that is due while the previous one still runs is skipped; one
missed while Temporal was down is still started within a day.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from domain.digest import DIGEST_HOUR, DIGEST_TIME_ZONE, DIGEST_WEEKDAY
from workflows.digest import DigestRun, DigestWorkflow
from workflows.retention import RetentionRun, RetentionWorkflow

DIGEST_SCHEDULE_ID = "scls-weekly-digest"
RETENTION_SCHEDULE_ID = "scls-nightly-retention"
RETENTION_HOUR = 2  # in England, when the engine is quietest


_POLICY = SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1))


class Applied(StrEnum):
    CREATED = "created"
    UPDATED = "updated"


def digest_schedule(task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DigestWorkflow.run,
            DigestRun(),
            id=DIGEST_SCHEDULE_ID,  # Temporal adds the due instant to each run's id
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    # Temporal counts weekdays from Sunday (0); ISO from Monday (1).
                    day_of_week=[ScheduleRange(DIGEST_WEEKDAY % 7)],
                    hour=[ScheduleRange(DIGEST_HOUR)],
                    minute=[ScheduleRange(0)],
                    second=[ScheduleRange(0)],
                    comment="the weekly digest",
                )
            ],
            time_zone_name=DIGEST_TIME_ZONE,
        ),
        policy=_POLICY,
    )


def retention_schedule(task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            RetentionRun(),
            id=RETENTION_SCHEDULE_ID,
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(RETENTION_HOUR)],
                    minute=[ScheduleRange(0)],
                    second=[ScheduleRange(0)],
                    comment="the retention policy, nightly",
                )
            ],
            time_zone_name=DIGEST_TIME_ZONE,
        ),
        policy=_POLICY,
    )


async def apply_schedules(client: Client, task_queue: str) -> dict[str, Applied]:
    """Create or update every schedule; what was done to each, by id."""
    wanted = {
        DIGEST_SCHEDULE_ID: digest_schedule(task_queue),
        RETENTION_SCHEDULE_ID: retention_schedule(task_queue),
    }
    applied: dict[str, Applied] = {}
    for schedule_id, schedule in wanted.items():
        try:
            await client.create_schedule(schedule_id, schedule)
            applied[schedule_id] = Applied.CREATED
        except ScheduleAlreadyRunningError:

            def replace(_: ScheduleUpdateInput, schedule: Schedule = schedule) -> ScheduleUpdate:
                return ScheduleUpdate(schedule=schedule)

            await client.get_schedule_handle(schedule_id).update(replace)
            applied[schedule_id] = Applied.UPDATED
    return applied
