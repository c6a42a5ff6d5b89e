"""Stats lookup: how much, how often, compared with the period before."""

from __future__ import annotations

from datetime import date

import pandas as pd

from brain.analytics.periods import Period, resolve
from brain.analytics.result import INSUFFICIENT, AnalysisResult, fmt
from brain.analytics.series import require_metric
from brain.metrics import CANONICAL


class StatsLookup(AnalysisResult):
    metric: str
    unit: str | None
    period: str
    first: date
    last: date
    mean: float | None = None
    median: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    total: float | None = None
    previous_mean: float | None = None
    change: float | None = None
    change_percent: float | None = None


def stats_lookup(
    daily: pd.DataFrame, metric: str, period: Period | None = None, *, anchor: date | None = None
) -> StatsLookup:
    """Mean, median, range and total of `metric` over `period`, and the change from the
    period of the same length before it. Relative periods end on `anchor` (default: the
    last day with data)."""
    series = require_metric(daily, metric)
    anchor = anchor or (daily.index[-1].date() if len(daily) else date.today())
    span = resolve(period or Period(), anchor)
    values = span.select(series).dropna()
    before = span.previous().select(series).dropna()
    spec = CANONICAL.get(metric)
    common = {
        "metric": metric,
        "unit": spec.unit if spec else None,
        "period": span.label,
        "first": span.first,
        "last": span.last,
        "n": len(values),
        "method": "descriptive statistics over days with data",
    }
    if values.empty:
        return StatsLookup(
            **common,
            caveats=[f"{INSUFFICIENT}: no {metric} in {span.label}"],
            summary=f"There is no {metric} data for {span.label}.",
        )
    mean = float(values.mean())
    previous_mean = float(before.mean()) if len(before) else None
    change = mean - previous_mean if previous_mean is not None else None
    change_percent = (
        100 * change / abs(previous_mean) if change is not None and previous_mean else None
    )
    caveats = [f"Based on only {len(values)} days"] if len(values) < 3 else []
    summary = (
        f"Over {span.label}, your {metric} averaged {fmt(mean)} (median {fmt(values.median())}, "
        f"range {fmt(values.min())} to {fmt(values.max())}, {len(values)} days)"
    )
    if change is not None:
        direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
        summary += f", {direction} {fmt(abs(change))} from {span.previous().label}"
    return StatsLookup(
        **common,
        mean=mean,
        median=float(values.median()),
        minimum=float(values.min()),
        maximum=float(values.max()),
        total=float(values.sum()),
        previous_mean=previous_mean,
        change=change,
        change_percent=change_percent,
        caveats=caveats,
        summary=summary + ".",
    )
