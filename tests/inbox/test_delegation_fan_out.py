"""Where `scls tasks delegate` asks for a delegation: the participants whose progress read
model names the person among the domain's delegators (holders of their open tasks, and
while they are active the people around them now, after any move)."""

from __future__ import annotations

import asyncpg
import pytest

from store.inbox import participants_to_delegate_for
from tests.inbox.inbox_builders import Recorder
from tests.intake.cohort_reads import COHORT, moved_home, on_a_break

pytestmark = pytest.mark.postgres


async def test_a_delegation_reaches_where_the_domain_says_the_person_acts(
    pool: asyncpg.Pool,
) -> None:
    staying = await Recorder(pool, "P-amy").at_institute(COHORT)
    moved = (await moved_home(pool, "P-ben")).state
    resting = (await on_a_break(pool, "P-cat")).state
    states = [staying, moved, resting]
    reach = {
        person: await participants_to_delegate_for(pool, person)
        for person in ("P-institute-1", "P-rm-1", "P-rm-2", "P-devlead-1", "P-2", "P-nobody")
    }
    assert reach == {
        person: [s.participant_id for s in states if person in s.delegators] for person in reach
    }
    # The Institute lead holds a task on each; the first home's manager no longer supports
    # the one who moved, the second's does; nobody's is asked on a break but a task holder;
    # a course partner holds no role to delegate.
    assert reach == {
        "P-institute-1": ["P-amy", "P-ben", "P-cat"],
        "P-rm-1": ["P-amy"],
        "P-rm-2": ["P-ben"],
        "P-devlead-1": ["P-amy", "P-ben"],
        "P-2": [],
        "P-nobody": [],
    }
