"""The search attributes the engine's workflows set, for ops to find workflows in Temporal.

They carry no personal data: a phase name, an opaque cohort id, a RAG status and the next
due date. `scls dev` registers them on the dev server; on a real cluster they are created
once with `temporal operator search-attribute create` (deploy/README.md).
"""

from __future__ import annotations

from datetime import datetime

from temporalio.common import SearchAttributeKey

PHASE: SearchAttributeKey[str] = SearchAttributeKey.for_keyword("SclsPhase")
COHORT_ID: SearchAttributeKey[str] = SearchAttributeKey.for_keyword("SclsCohortId")
RAG_STATUS: SearchAttributeKey[str] = SearchAttributeKey.for_keyword("SclsRagStatus")
NEXT_DUE: SearchAttributeKey[datetime] = SearchAttributeKey.for_datetime("SclsNextDue")

SEARCH_ATTRIBUTES: tuple[SearchAttributeKey[str] | SearchAttributeKey[datetime], ...] = (
    PHASE,
    COHORT_ID,
    RAG_STATUS,
    NEXT_DUE,
)
