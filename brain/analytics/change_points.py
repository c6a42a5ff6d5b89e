"""Change points: where the mean of one metric shifted and stayed at its new level.

Greedy binary segmentation of the days with data: the stretch whose best split lowers the
squared error most is split, while that drop beats a BIC penalty of 2·log(n)·σ², up to
`max_points` times and with every stretch at least `min_segment` days long. σ comes from
day-to-day differences, which a few shifts barely move, rather than from the overall spread,
which the shifts themselves would inflate and so hide.
"""

from __future__ import annotations

import itertools
import math
from datetime import date

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from brain.analytics.result import INSUFFICIENT, AnalysisResult, fmt, metric_digits
from brain.analytics.series import metric_series
from brain.errors import InvalidQuery

CHANGE_PENALTY_PER_POINT = 2.0  # × log(n): BIC for one new mean and one new location


class ChangePoint(BaseModel):
    """The first day of a new level, with the means of the stretches either side."""

    model_config = ConfigDict(frozen=True)

    date: date
    mean_before: float
    mean_after: float
    change: float


class ChangePoints(AnalysisResult):
    metric: str
    min_segment: int
    max_points: int
    count: int = 0
    change_points: list[ChangePoint] = Field(default_factory=list)
    noise_sd: float | None = None
    penalty: float | None = None


def change_points(
    daily: pd.DataFrame, metric: str, *, min_segment: int = 14, max_points: int = 3
) -> ChangePoints:
    """Where the mean of `metric` shifted and stayed: greedy binary segmentation of the days
    with data, a split kept only when it cuts the squared error by more than a BIC penalty of
    2·log(n)·σ², with σ estimated from day-to-day differences (barely moved by the shifts)."""
    if min_segment < 3:
        raise InvalidQuery(f"min_segment must be at least 3 days, not {min_segment}")
    if not 1 <= max_points <= 20:
        raise InvalidQuery(f"max_points must be between 1 and 20, not {max_points}")
    observed = metric_series(daily, metric).dropna()
    values = observed.to_numpy()
    base = {
        "metric": metric,
        "min_segment": min_segment,
        "max_points": max_points,
        "n": len(values),
        "method": (
            "binary segmentation on the mean (days with data), each split kept when it lowers "
            "the squared error by more than 2·log(n)·σ² (BIC), σ = SD of day-to-day "
            f"differences / √2; segments of at least {min_segment} days with data"
        ),
    }
    if len(values) < 2 * min_segment:
        return ChangePoints(
            **base,
            caveats=[f"{INSUFFICIENT}: a shift needs {min_segment} days with data either side."],
            summary=(
                f"Not enough {metric} data to look for shifts: {len(values)} days with data, and "
                f"a shift needs {min_segment} on each side."
            ),
        )
    if np.ptp(values) == 0:
        return ChangePoints(
            **base,
            noise_sd=0.0,
            caveats=[f"{metric} had the same value on every day with data."],
            summary=f"{metric} never changed over its {len(values)} days with data.",
        )
    sd = _noise_sd(values)
    penalty = CHANGE_PENALTY_PER_POINT * math.log(len(values)) * sd**2
    cuts = _segment(values, min_segment, max_points, penalty)
    points = _describe_cuts(observed, cuts)
    result = ChangePoints(
        **base,
        count=len(points),
        change_points=points,
        noise_sd=sd,
        penalty=penalty,
        caveats=[
            "Day-to-day persistence or slow drifts can look like shifts; a shift is where the "
            "average moved, not why."
        ],
        summary="",
    )
    return result.model_copy(update={"summary": _change_summary(result, values)})


def _noise_sd(values: np.ndarray) -> float:
    """Noise SD from day-to-day differences, SD(diff) / √2: a few shifts move only a few
    differences. (MAD is no use here: for mostly-zero metrics it sees only the zeros.)"""
    return float(np.std(np.diff(values)) / math.sqrt(2))


def _best_split(cumsum: np.ndarray, start: int, stop: int, min_segment: int) -> tuple[float, int]:
    """The cut in values[start:stop] that most lowers the squared error, and the drop."""
    cuts = np.arange(start + min_segment, stop - min_segment + 1)
    if cuts.size == 0:
        return 0.0, -1
    total, length = cumsum[stop] - cumsum[start], stop - start
    left = cumsum[cuts] - cumsum[start]
    n_left = cuts - start
    gains = left**2 / n_left + (total - left) ** 2 / (length - n_left) - total**2 / length
    best = int(np.argmax(gains))
    return float(gains[best]), int(cuts[best])


def _segment(values: np.ndarray, min_segment: int, max_points: int, penalty: float) -> list[int]:
    """Greedy binary segmentation: split the segment with the largest gain while it pays."""
    cumsum = np.concatenate([[0.0], np.cumsum(values - values.mean())])
    bounds = [0, len(values)]
    while len(bounds) - 2 < max_points:
        splits = [_best_split(cumsum, a, b, min_segment) for a, b in itertools.pairwise(bounds)]
        gain, cut = max(splits)
        if cut < 0 or gain <= penalty:
            break
        bounds = sorted([*bounds, cut])
    return bounds[1:-1]


def _describe_cuts(observed: pd.Series, cuts: list[int]) -> list[ChangePoint]:
    values = observed.to_numpy()
    edges = [0, *cuts, len(values)]
    means = [float(values[a:b].mean()) for a, b in itertools.pairwise(edges)]
    return [
        ChangePoint(
            date=observed.index[cut].date(),
            mean_before=means[i],
            mean_after=means[i + 1],
            change=means[i + 1] - means[i],
        )
        for i, cut in enumerate(cuts)
    ]


def _change_summary(result: ChangePoints, values: np.ndarray) -> str:
    if not result.change_points:
        return (
            f"No lasting shift in the mean of {result.metric} over its {result.n} days with data "
            f"(stretches of at least {result.min_segment} days)."
        )
    digits = metric_digits(values)
    shifts = ", then ".join(
        f"on {p.date.isoformat()} from {fmt(p.mean_before, digits)} to {fmt(p.mean_after, digits)}"
        for p in result.change_points
    )
    times = "once" if result.count == 1 else f"{result.count} times"
    return f"The mean of {result.metric} shifted {times} over {result.n} days with data: {shifts}."
