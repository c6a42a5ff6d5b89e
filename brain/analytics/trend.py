"""Trend: is one metric slowly rising or falling over the last weeks or months?

The slope is Theil–Sen's (the median of pairwise slopes) and the test is Mann–Kendall's
(Kendall's tau of value against day): both rest on medians and ranks, so one odd week cannot
fake a trend. The direction is "flat" unless p < 0.05. Only days with data count; since
consecutive days are often correlated, which makes the test's p-value optimistic, a strong
lag-1 autocorrelation of the detrended values is reported as a caveat.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from brain.analytics.result import (
    INSUFFICIENT,
    P_FLOOR,
    AnalysisResult,
    fmt,
    metric_digits,
    p_text,
)
from brain.analytics.series import metric_series
from brain.errors import InvalidQuery

ALPHA = 0.05
MIN_TREND_DAYS = 14


class Trend(AnalysisResult):
    metric: str
    days: int
    start: date | None = None
    end: date | None = None
    span_days: int | None = None
    direction: Literal["rising", "falling", "flat"] | None = None
    slope_per_week: float | None = None
    slope_low: float | None = None
    slope_high: float | None = None
    change_over_period: float | None = None
    kendall_tau: float | None = None
    p_value: float | None = None
    alpha: float = ALPHA
    lag1_autocorrelation: float | None = None


def trend(daily: pd.DataFrame, metric: str, *, days: int = 90) -> Trend:
    """Direction and size of the trend over the last `days` calendar days: Theil–Sen slope
    per week with its 95% interval, Kendall's tau against time (Mann–Kendall) for the p-value,
    and "flat" unless p < 0.05."""
    if days < MIN_TREND_DAYS:
        raise InvalidQuery(f"a trend needs a period of at least {MIN_TREND_DAYS} days, not {days}")
    series = metric_series(daily, metric)
    if not series.empty:
        series = series[series.index > series.index[-1] - pd.Timedelta(days=days)]
    observed = series.dropna()
    base = {
        "metric": metric,
        "days": days,
        "n": len(observed),
        "method": (
            "Theil–Sen slope (median of pairwise slopes) with its 95% interval; Mann–Kendall "
            f"test as Kendall's tau of value against day; flat unless p < {ALPHA}; p below "
            f"{P_FLOOR} printed as < {P_FLOOR}"
        ),
    }
    if len(observed) < MIN_TREND_DAYS:
        return Trend(
            **base,
            caveats=[f"{INSUFFICIENT}: a trend needs {MIN_TREND_DAYS} days with data."],
            summary=(
                f"Not enough {metric} data for a trend: {len(observed)} days with data in the "
                f"last {days} days, {MIN_TREND_DAYS} needed."
            ),
        )
    day = np.asarray((observed.index - observed.index[0]).days, dtype=float)
    values = observed.to_numpy()
    span = int(day[-1])
    period = {
        "start": observed.index[0].date(),
        "end": observed.index[-1].date(),
        "span_days": span,
    }
    if observed.nunique() == 1:
        return _constant_trend(base, period)
    slope, _, low, high = stats.theilslopes(values, day, alpha=0.95)
    tau, p_value = stats.kendalltau(day, values)
    rising = slope > 0 and p_value < ALPHA
    falling = slope < 0 and p_value < ALPHA
    result = Trend(
        **base,
        **period,
        direction="rising" if rising else "falling" if falling else "flat",
        slope_per_week=float(slope * 7),
        slope_low=float(low * 7),
        slope_high=float(high * 7),
        change_over_period=float(slope * span),
        kendall_tau=float(tau),
        p_value=float(p_value),
        lag1_autocorrelation=_lag1_autocorrelation(series, observed, float(slope)),
        summary="",
    )
    return result.model_copy(
        update={"caveats": _trend_caveats(result), "summary": _trend_summary(result, values)}
    )


def _constant_trend(base: dict[str, Any], period: dict[str, Any]) -> Trend:
    """A series that never moved: flat with a zero slope, said plainly rather than tested."""
    return Trend(
        **base,
        **period,
        direction="flat",
        slope_per_week=0.0,
        slope_low=0.0,
        slope_high=0.0,
        change_over_period=0.0,
        caveats=[f"{base['metric']} had the same value on every day with data."],
        summary=(
            f"{base['metric']} had the same value on all {base['n']} days with data in the last "
            f"{base['days']} days: flat."
        ),
    )


def _lag1_autocorrelation(series: pd.Series, observed: pd.Series, slope: float) -> float | None:
    """Lag-1 autocorrelation of the detrended values on consecutive days with data."""
    day = np.asarray((series.index - observed.index[0]).days, dtype=float)
    residual = series.to_numpy() - slope * day
    residual = residual - np.nanmean(residual)
    today, yesterday = residual[1:], residual[:-1]
    paired = np.isfinite(today) & np.isfinite(yesterday)
    if paired.sum() < 3 or np.std(today[paired]) == 0 or np.std(yesterday[paired]) == 0:
        return None
    return float(np.corrcoef(today[paired], yesterday[paired])[0, 1])


def _trend_caveats(result: Trend) -> list[str]:
    caveats = []
    if result.lag1_autocorrelation is not None and result.lag1_autocorrelation > 0.3:
        caveats.append(
            f"Consecutive days are correlated (lag-1 r = {fmt(result.lag1_autocorrelation)}); "
            "the Mann–Kendall test assumes independent days, so its p-value is optimistic."
        )
    if result.n < result.days / 2:
        caveats.append(f"Only {result.n} of the last {result.days} days have data.")
    return caveats


def _trend_summary(result: Trend, values: np.ndarray) -> str:
    digits = metric_digits(values) + 1
    slope = (
        f"a slope of {fmt(result.slope_per_week, digits)} a week (95% interval "
        f"{fmt(result.slope_low, digits)} to {fmt(result.slope_high, digits)})"
    )
    lead = (
        f"Over the last {result.days} days ({result.n} with data) {result.metric} was "
        f"{result.direction}: {slope}"
    )
    test = f"Kendall's tau {fmt(result.kendall_tau)}, {p_text(result.p_value)}"
    if result.direction == "flat":
        return f"{lead}, not a clear trend ({test}, alpha {fmt(result.alpha)})."
    change = fmt(result.change_over_period, digits)
    return f"{lead}, {change} across {result.span_days} days ({test})."
