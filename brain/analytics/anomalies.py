"""Unusual days, slow trends and lasting shifts in one metric.

`anomalies` scores each day against the `window` days before it with a robust z-score
(median and MAD, so the outliers being looked for do not inflate their own yardstick). A MAD
from 28 days is itself noisy, so on pure Gaussian noise the score behaves like a t with about
10 degrees of freedom and roughly 1 ordinary day in 160 reaches |z| 3.5 by chance.
`trend` fits a Theil–Sen slope and tests it with Kendall's tau (Mann–Kendall) so one odd
week cannot fake a trend; `change_points` finds where the mean shifted by binary
segmentation with a BIC penalty. All three work on the days with data and say so.

The small series helpers here (`metric_series`, `fill_short_gaps`, `metric_digits`, `p_text`)
are shared with `granger` and `forecast`.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pydantic import BaseModel, ConfigDict, Field
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
MAD_TO_SD = 1.4826  # MAD × this estimates the standard deviation of Gaussian noise
MEAN_AD_TO_SD = math.sqrt(math.pi / 2)  # the same for the mean absolute deviation
MAD_RELATIVE_SE = 1.166  # × 1/√n: the standard error of a Gaussian sample's MAD, relative
VERY_UNUSUAL_Z = 5.0
EXTREME_Z = 8.0
MIN_TREND_DAYS = 14
CHANGE_PENALTY_PER_POINT = 2.0  # × log(n): BIC for one new mean and one new location

Severity = Literal["unusual", "very unusual", "extreme"]


# --- anomalies ---------------------------------------------------------------------------


class Anomaly(BaseModel):
    """One day that stood out from the days before it."""

    model_config = ConfigDict(frozen=True)

    date: date
    value: float
    baseline_median: float
    z: float
    direction: Literal["high", "low"]
    severity: Severity


class Anomalies(AnalysisResult):
    metric: str
    window: int
    threshold: float
    last_days: int | None
    min_baseline: int
    count: int
    anomalies: list[Anomaly]
    flat_baseline_days: int
    mean_ad_days: int


def _baseline(
    values: np.ndarray, window: int, min_baseline: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and robust scale of the `window` days before each day (NaN where fewer than
    `min_baseline` of them have data), and where the scale fell back from MAD × 1.4826 to the
    mean absolute deviation × 1.2533 because over half the baseline days were identical."""
    n = len(values)
    padded = np.concatenate([np.full(window, np.nan), values[:-1]]) if n else values
    windows = sliding_window_view(padded, window) if n else np.empty((0, window))
    enough = np.isfinite(windows).sum(axis=1) >= min_baseline
    median = np.full(n, np.nan)
    scale = np.full(n, np.nan)
    fallback = np.zeros(n, dtype=bool)
    if enough.any():
        scored = windows[enough]
        centre = np.nanmedian(scored, axis=1)
        deviation = np.abs(scored - centre[:, None])
        mad = np.nanmedian(deviation, axis=1) * MAD_TO_SD
        mean_ad = np.nanmean(deviation, axis=1) * MEAN_AD_TO_SD
        median[enough] = centre
        scale[enough] = np.where(mad > 0, mad, mean_ad)
        fallback[enough] = mad == 0
    return median, scale, fallback


def _z_scores(values: np.ndarray, median: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(value − median) / scale; 0 where a flat baseline is matched exactly, NaN where a day
    differs from a baseline that never varied (no finite z exists) or cannot be scored."""
    deviation = values - median
    safe = np.where(scale > 0, scale, 1.0)
    z = np.where(scale > 0, deviation / safe, np.where(deviation == 0, 0.0, np.nan))
    return np.where(np.isfinite(values) & np.isfinite(median), z, np.nan)


def robust_z(series: pd.Series, window: int = 28, min_baseline: int | None = None) -> pd.Series:
    """Each day's robust z-score against the `window` days before it (the day excluded)."""
    values = series.to_numpy(dtype=float)
    median, scale, _ = _baseline(values, window, min_baseline or _min_baseline(window))
    return pd.Series(_z_scores(values, median, scale), index=series.index)


def _min_baseline(window: int) -> int:
    return max(5, window // 2)


def _severity(z: float) -> Severity:
    size = abs(z)
    return (
        "extreme" if size >= EXTREME_Z else "very unusual" if size >= VERY_UNUSUAL_Z else "unusual"
    )


def anomalies(
    daily: pd.DataFrame,
    metric: str,
    *,
    window: int = 28,
    threshold: float = 3.5,
    last_days: int | None = None,
) -> Anomalies:
    """Days whose robust z-score against the previous `window` days reaches `threshold`,
    most extreme first; `last_days` keeps those in the last N calendar days."""
    if not 7 <= window <= 365:
        raise InvalidQuery(f"window must be between 7 and 365 days, not {window}")
    if not threshold > 0:
        raise InvalidQuery(f"threshold must be positive, not {threshold}")
    if last_days is not None and last_days < 1:
        raise InvalidQuery(f"last_days must be at least 1, not {last_days}")
    series = metric_series(daily, metric)
    values = series.to_numpy(dtype=float)
    min_baseline = _min_baseline(window)
    median, scale, fallback = _baseline(values, window, min_baseline)
    z = _z_scores(values, median, scale)
    in_range = np.ones(len(series), dtype=bool)
    if last_days is not None and len(series):
        in_range = np.asarray(series.index > series.index[-1] - pd.Timedelta(days=last_days))
    scored = in_range & np.isfinite(z)
    flat = in_range & np.isfinite(values) & np.isfinite(median) & np.isnan(z)
    hits = np.flatnonzero(scored & (np.abs(np.nan_to_num(z)) >= threshold))
    found = sorted(
        (
            Anomaly(
                date=series.index[i].date(),
                value=float(values[i]),
                baseline_median=float(median[i]),
                z=float(z[i]),
                direction="high" if z[i] > 0 else "low",
                severity=_severity(float(z[i])),
            )
            for i in hits
        ),
        key=lambda a: (-abs(a.z), a.date),
    )
    result = Anomalies(
        metric=metric,
        window=window,
        threshold=threshold,
        last_days=last_days,
        min_baseline=min_baseline,
        count=len(found),
        anomalies=found,
        flat_baseline_days=int(flat.sum()),
        mean_ad_days=int((scored & fallback).sum()),
        n=int(scored.sum()),
        method=(
            f"robust z-score: (value − median) / (MAD × {MAD_TO_SD}) of the previous {window} "
            f"days, the day itself excluded (mean absolute deviation × 1.2533 where MAD = 0); "
            f"flagged from |z| {threshold}; severity: unusual below {VERY_UNUSUAL_Z}, very "
            f"unusual {VERY_UNUSUAL_Z} to {EXTREME_Z}, extreme {EXTREME_Z} and above"
        ),
        summary="",
    )
    caveats = _anomaly_caveats(result, series)
    return result.model_copy(
        update={"caveats": caveats, "summary": _anomaly_summary(result, values)}
    )


def _anomaly_caveats(result: Anomalies, series: pd.Series) -> list[str]:
    if result.n == 0:
        return [
            f"{INSUFFICIENT}: no day had {result.min_baseline} days with {result.metric} data "
            f"among the {result.window} days before it."
        ]
    uncertainty = round(100 * MAD_RELATIVE_SE / math.sqrt(result.window))
    caveats = [
        f"Each day's yardstick comes from at most {result.window} days, so its z is uncertain "
        f"by about ±{uncertainty}%: a severity near a cut-off could go either way."
    ]
    observed = series.dropna()
    if len(observed) and observed.nunique() == 1:
        caveats.append(f"{result.metric} had the same value every day, so no day can stand out.")
    if result.mean_ad_days > result.n / 10:
        caveats.append(
            f"On {result.mean_ad_days} of the {result.n} days scored, most of the previous "
            f"{result.window} days had the same value (MAD = 0), so the mean absolute deviation "
            "set the scale, and any day off that usual value can stand out."
        )
    if result.flat_baseline_days:
        caveats.append(
            f"{result.flat_baseline_days} days differ from {result.window} days before them "
            "that never varied; no z-score exists for them, so they are not listed."
        )
    return caveats


def _anomaly_summary(result: Anomalies, values: np.ndarray) -> str:
    scope = (
        f"in the last {result.last_days} days ({result.n} scored)"
        if result.last_days is not None
        else f"in the {result.n} days scored"
    )
    if result.n == 0:
        return (
            f"Not enough {result.metric} data to judge unusual days: each day needs "
            f"{result.min_baseline} days with data among the {result.window} before it."
        )
    if not result.anomalies:
        return (
            f"No {result.metric} day stood out {scope} (robust z of {fmt(result.threshold)} or "
            f"more against the previous {result.window} days)."
        )
    top = result.anomalies[0]
    digits = metric_digits(values)
    return (
        f"{result.count} unusual {result.metric} day{'' if result.count == 1 else 's'} "
        f"{scope}; the most extreme, "
        f"{top.date.isoformat()}, was {fmt(top.value, digits)} against a usual "
        f"{fmt(top.baseline_median, digits)} (robust z {fmt(top.z, 1)}, "
        f"{top.severity}, {top.direction})."
    )


# --- trend -------------------------------------------------------------------------------


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


# --- change points -----------------------------------------------------------------------


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
