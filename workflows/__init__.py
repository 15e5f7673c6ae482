"""The programme's workflows: deterministic orchestration of the domain's decisions."""

from workflows.alumni import AlumniWorkflow
from workflows.cohort import CohortWorkflow
from workflows.digest import DigestWorkflow
from workflows.intervention import InterventionWorkflow
from workflows.participant import ParticipantWorkflow
from workflows.retention import RetentionWorkflow

WORKFLOWS = [
    ParticipantWorkflow,
    CohortWorkflow,
    InterventionWorkflow,
    DigestWorkflow,
    AlumniWorkflow,
    RetentionWorkflow,
]
