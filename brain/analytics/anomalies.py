"""Unusual days: which days of one metric stood out from the weeks before them.

Each day is scored against the `window` days before it with a robust z-score (median and
MAD), so the outliers being looked for do not inflate their own yardstick; where over half
of those days had the same value (MAD = 0) the mean absolute deviation sets the scale. A MAD
from 28 days is itself noisy, so on pure Gaussian noise the score behaves like a t with about
10 degrees of freedom and roughly 1 ordinary day in 160 reaches |z| 3.5 by chance. A day is
scored only when it has data and at least `min_baseline` of the days before it do; `n` counts
the days scored.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pydantic import BaseModel, ConfigDict

from brain.analytics.result import INSUFFICIENT, AnalysisResult, fmt, metric_digits
from brain.analytics.series import metric_series
from brain.errors import InvalidQuery

MAD_TO_SD = 1.4826  # MAD × this estimates the standard deviation of Gaussian noise
MEAN_AD_TO_SD = math.sqrt(math.pi / 2)  # the same for the mean absolute deviation
MAD_RELATIVE_SE = 1.166  # × 1/√n: the standard error of a Gaussian sample's MAD, relative
VERY_UNUSUAL_Z = 5.0
EXTREME_Z = 8.0

Severity = Literal["unusual", "very unusual", "extreme"]


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
