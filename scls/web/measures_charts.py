"""Geometry of the success measures' SVG charts, worked out here so templates only draw
(the console's CSP allows no inline style: sizes are SVG attributes, colours CSS classes):
grouped bars per cohort, and an LQF dimension's levels at its three points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.measures import CohortMeasures, LqfGrowth
from domain.programme.feedback import LQF_LEVELS, LqfPoint

BAR_HEIGHT = 14
GAP = 4


@dataclass(frozen=True)
class BarShape:
    css: str
    label: str
    value: float | None  # None: nothing given yet, which is not a score of 0
    y: float
    width: float  # of 100


@dataclass(frozen=True)
class BarGroup:
    label: str
    bars: tuple[BarShape, ...]
    height: float


def cohort_bars(cohorts: Sequence[CohortMeasures]) -> tuple[BarGroup, ...]:
    """Per cohort: recruited, completed, in an RM post and retained at 12 and 24 months."""
    groups = []
    for c in cohorts:
        f12, f24 = c.follow_ups
        series = (
            ("recruited", "Recruited", c.recruited),
            ("completed", "Completed", c.completed),
            ("rm", "In RM post at 12 months", f12.in_rm_post),
            ("retained", "Retained at 12 months", f12.retained),
            ("rm", "In RM post at 24 months", f24.in_rm_post),
            ("retained", "Retained at 24 months", f24.retained),
        )
        top = max(c.recruited, 1)
        bars = tuple(
            BarShape(css, label, value, i * (BAR_HEIGHT + GAP), 100 * value / top)
            for i, (css, label, value) in enumerate(series)
        )
        groups.append(BarGroup(c.cohort_id, bars, len(bars) * (BAR_HEIGHT + GAP)))
    return tuple(groups)


def score_bars(values: Sequence[tuple[str, float | None]], highest: float) -> BarGroup:
    bars = tuple(
        BarShape("score", label, value, i * (BAR_HEIGHT + GAP), 100 * (value or 0) / highest)
        for i, (label, value) in enumerate(values)
    )
    return BarGroup("", bars, len(bars) * (BAR_HEIGHT + GAP))


@dataclass(frozen=True)
class LqfColumn:
    point: str
    css: str  # "self" or "others"
    x: float
    height: float  # of the chart's 100
    level: float | None


@dataclass(frozen=True)
class LqfChart:
    dimension: str
    title: str
    columns: tuple[LqfColumn, ...]


def lqf_charts(growth: Sequence[LqfGrowth]) -> tuple[LqfChart, ...]:
    """One chart per dimension: at each point, the self-assessed level beside the mean of
    the three around the participant, as columns 0-100 high (level 4 at the top)."""
    top = len(LQF_LEVELS)
    charts = []
    for dimension in dict.fromkeys(g.dimension for g in growth):
        rows = [g for g in growth if g.dimension == dimension]
        columns = []
        for i, point in enumerate(LqfPoint):
            found = next(g for g in rows if g.point == point)
            for j, (css, level) in enumerate(
                (("self", found.self_level), ("others", found.others_level))
            ):
                columns.append(
                    LqfColumn(
                        point.label, css, 8 + i * 32 + j * 12, 100 * (level or 0) / top, level
                    )
                )
        charts.append(LqfChart(dimension, rows[0].title, tuple(columns)))
    return tuple(charts)
