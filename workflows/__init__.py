"""The programme's workflows: deterministic orchestration of the domain's decisions."""

from workflows.cohort import CohortWorkflow
from workflows.participant import ParticipantWorkflow

WORKFLOWS = [ParticipantWorkflow, CohortWorkflow]
