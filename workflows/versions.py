"""When a long-lived workflow continues as new, and on which build its next run starts.

Under Worker Versioning every run is pinned to the build it started on, so a deploy never
replays a running run under other code. Participants and cohorts move on to the current
build by continuing as new: at a phase boundary, when Temporal suggests it (a long
history), and as soon as Temporal says a new build has become current (their next wake-up
after a release). docs/versioning.md has the whole policy.
"""

from __future__ import annotations

from temporalio import workflow

# The next run starts on the deployment's current build, not the pinned one of this run.
ON_THE_CURRENT_BUILD = workflow.ContinueAsNewVersioningBehavior.AUTO_UPGRADE


def time_to_move_on() -> bool:
    """Continue as new now, between steps: the history is long, or a newer build is the
    deployment's current one (never true for a worker without versioning)."""
    info = workflow.info()
    return info.is_continue_as_new_suggested() or info.is_target_worker_deployment_version_changed()
