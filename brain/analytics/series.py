"""A person's daily frame as clean series: one metric, every calendar day, short gaps filled."""

from __future__ import annotations

import numpy as np
import pandas as pd

from brain.errors import InvalidQuery


def require_metric(daily: pd.DataFrame, metric: str) -> pd.Series:
    """The metric's daily series, or InvalidQuery naming the metrics this person has."""
    if metric not in daily.columns:
        have = ", ".join(sorted(daily.columns)) or "none yet"
        raise InvalidQuery(f"no metric {metric!r} in this person's data; available: {have}")
    return daily[metric]


def metric_series(daily: pd.DataFrame, metric: str) -> pd.Series:
    """`metric` as floats on every calendar day of the frame (NaN where there is no data),
    so positions are days and lags are exact whatever the caller's index holds."""
    series = require_metric(daily, metric)
    if not isinstance(series.index, pd.DatetimeIndex):
        raise InvalidQuery("the daily frame needs a DatetimeIndex")
    values = pd.to_numeric(series, errors="coerce").astype(float)
    values = values.replace([np.inf, -np.inf], np.nan)
    values.index = values.index.normalize()
    if values.index.has_duplicates:
        raise InvalidQuery("the daily frame has more than one row for a day")
    values = values.sort_index()
    if values.empty:
        return values
    days = pd.date_range(values.index[0], values.index[-1], freq="D", name=values.index.name)
    return values.reindex(days)


def fill_short_gaps(series: pd.Series, max_gap: int = 2) -> pd.Series:
    """Linear interpolation of interior runs of at most `max_gap` missing days; longer gaps
    stay missing, since inventing a week of data would fake a pattern."""
    missing = series.isna()
    run = (missing != missing.shift()).cumsum()
    run_length = missing.groupby(run).transform("size")
    interpolated = series.interpolate(limit_area="inside")
    short = missing & (run_length <= max_gap) & interpolated.notna()
    return series.where(~short, interpolated)
