"""`scls rehearse COHORT_FILE [--time-scale N] [--policy FILE] [--seed S] [--json]`: the
cohort's whole programme on the live stack, in a namespace and a database of its own,
with simulated people answering their tasks as the policy file says (scls/rehearsal/),
and the report: time in each phase, tasks by kind, the most loaded people week by week,
interventions, mails, and the weeks where the timetable is tight (domain/rehearsal/).
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from scls.cli.cohort import checked_file
from scls.cli.errors import expected_errors, fail
from scls.cli.output import console
from scls.logging import configure_logging
from scls.settings import Settings, load_settings

if TYPE_CHECKING:
    from domain.cohort.intake import CohortIntake
    from domain.rehearsal.policy import RehearsalPolicy
    from domain.rehearsal.report import RehearsalReport

# Two programme years and the lead in about two minutes.
DEFAULT_TIME_SCALE = 1_000_000.0
BUSIEST_WEEKS = 10  # weeks shown in the table's load section (JSON has every week)

stdout = console()
stderr = console(stderr=True)


@expected_errors
def rehearse(
    cohort_file: Annotated[Path, typer.Argument(help="The cohort file: .csv or .yaml.")],
    time_scale: Annotated[
        float | None,
        typer.Option(
            "--time-scale",
            min=1,
            help="How much faster than real time (default: the file's, or 1,000,000).",
        ),
    ] = None,
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="How the simulated people behave (YAML/JSON).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="The random seed (default: the policy's).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON, for scripts.")] = False,
) -> None:
    """Rehearse a cohort's two years at compressed time, with simulated people, and report
    where tasks pile up, who is overloaded and which reminders fire."""
    from domain.rehearsal.policy import InvalidRehearsalPolicy

    # The rehearsal starts the cohort a few programme weeks from now, whatever its file says.
    intake = checked_file(cohort_file, as_json, today=date.min)
    policy = _policy(policy_file)
    if seed is not None:
        policy = policy.model_copy(update={"seed": seed})
    try:
        policy.check_participants({p.participant_id for p in intake.definition.participants})
    except InvalidRehearsalPolicy as invalid:
        fail(escape(str(invalid)))
    scale = time_scale or (
        intake.definition.time_scale if intake.definition.time_scale > 1 else DEFAULT_TIME_SCALE
    )
    settings = load_settings()
    # The rehearsal's own worker would log every step of two years: warnings and worse.
    configure_logging(settings.model_copy(update={"log_level": _at_least_warning(settings)}))
    report, name = asyncio.run(_rehearse(settings, intake, policy, scale, quiet=as_json))
    if as_json:
        shown = {"database": name, "namespace": name.replace("_", "-")}
        typer.echo(json.dumps(shown | report.model_dump(mode="json"), indent=2))
        return
    _print(report)
    stdout.print(
        escape(
            f"rehearsed in database {name} and namespace {name.replace('_', '-')}: "
            f"SCLS_DATABASE_URL=<this Postgres>/{name} scls report cohort {report.cohort_id}"
        )
    )


def _at_least_warning(settings: Settings) -> str:
    return "warning" if settings.log_level == "info" else settings.log_level


def _policy(path: Path | None) -> RehearsalPolicy:
    from domain.rehearsal.policy import InvalidRehearsalPolicy, RehearsalPolicy, policy_from

    if path is None:
        return RehearsalPolicy()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML too
    except OSError as error:
        fail(escape(f"cannot read {path}: {error.strerror or error}"))
    except yaml.YAMLError as error:
        fail(escape(f"{path} is neither YAML nor JSON: {error}"))
    try:
        return policy_from(data)
    except InvalidRehearsalPolicy as invalid:
        fail(escape(f"{path}: {invalid}"))


async def _rehearse(
    settings: Settings,
    intake: CohortIntake,
    policy: RehearsalPolicy,
    time_scale: float,
    *,
    quiet: bool,
) -> tuple[RehearsalReport, str]:
    from rich.progress import BarColumn, Progress, TimeElapsedColumn

    from scls.rehearsal.run import Rehearsal, programme_weeks
    from scls.rehearsal.stack import rehearsal_stack

    cohort_id = intake.definition.cohort_id
    weeks = programme_weeks(intake.definition)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        "programme week {task.completed:.0f} of {task.total:.0f}",
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=quiet or not stderr.is_terminal,
    ) as progress:
        bar = progress.add_task(f"rehearsing {cohort_id}", total=weeks)
        async with rehearsal_stack(settings, cohort_id) as stack:
            rehearsal = Rehearsal(
                stack,
                intake,
                policy,
                time_scale,
                lambda done: progress.update(bar, completed=min(done, weeks)),
            )
            report = await rehearsal.run()
    return report, stack.name


def _print(report: RehearsalReport) -> None:
    from domain.cohort.report import measures_rows

    title = (
        f"rehearsal of {report.cohort_id} (seed {report.seed}, time scale {report.time_scale:g})"
    )
    measures = Table("measure", "breakdown", "value", title=title)
    for row in measures_rows(report.measures):
        measures.add_row(*row)
    stdout.print(measures)

    tasks = Table("kind", "tasks", "overdue", "escalated", "sent back", title="tasks by kind")
    for count in report.tasks:
        tasks.add_row(
            count.kind,
            *(str(n) for n in (count.tasks, count.overdue, count.escalated, count.sent_back)),
        )
    stdout.print(tasks)

    busiest = sorted(report.load, key=lambda w: (-w.people[0].open_tasks, w.week))[:BUSIEST_WEEKS]
    load = Table("week", "most loaded people (open tasks)", title="the busiest weeks")
    for week in sorted(busiest, key=lambda w: w.week):
        load.add_row(str(week.week), ", ".join(f"{p.person} ({p.open_tasks})" for p in week.people))
    stdout.print(load)

    cases = Table(
        "participant", "case", "kind", "opened", "outcome", "closed", title="interventions"
    )
    for case in report.interventions:
        cases.add_row(
            case.participant_id,
            str(case.number),
            case.kind,
            f"week {case.opened_week}",
            case.outcome or "undecided",
            f"week {case.closed_week}" if case.closed_week is not None else "open",
        )
    stdout.print(cases)

    mails = Table("asked for by", "mails sent", title="mail")
    for asked_by, sent in report.mails.items():
        mails.add_row(asked_by, str(sent))
    stdout.print(mails)
    tight = ", ".join(f"week {w.week} ({w.tasks_due} due)" for w in report.tight_weeks)
    stdout.print(escape(f"tight weeks: {tight or 'none'}"))
    stdout.print(f"answers refused by the rules: {report.refused_answers}")
    if report.answer_lag_days_median is not None:
        stdout.print(
            f"answers recorded {report.answer_lag_days_median} programme days after the "
            f"people gave them (median; at most {report.answer_lag_days_max}): the stack's "
            "own lag at this time scale"
        )
