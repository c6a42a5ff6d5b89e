"""Forecast one metric 1 to 14 days ahead, with intervals and a backtest against naive guesses.

Model: exponential smoothing with additive errors, a damped additive trend and an additive
weekly season (statsmodels `ETSModel`, ETS(A,Ad,A)): the week carries most of a person's
predictable rhythm, and damping stops a short-lived drift being extrapolated for two weeks.
With fewer than 6 weeks of data the season is left out (ETS(A,Ad,N)); if a fit fails, the
next simpler model is used, down to simple exponential smoothing (ETS(A,N,N)). Initial states
come from the usual decomposition heuristic rather than the optimiser: a fit then takes tens
of milliseconds instead of up to 1.5 s, for a backtest error at most about 15% higher on the
demo data. Intervals are the model's exact 80% prediction intervals, clipped at 0 for metrics
that are never negative.

Data: gaps of up to 2 days are interpolated; the model sees the latest stretch without a
longer gap, at most the last 365 days (recent habits matter most, and it keeps fits fast).

Backtest: the same model is refitted without the last `backtest_days` days and forecasts them
in one go; its mean absolute error on the days with real data is compared with two naive
guesses from the same origin: the last value, and the same weekday of the last week.
"""

from __future__ import annotations

import warnings
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from brain.analytics.result import INSUFFICIENT, AnalysisResult, fmt, metric_digits
from brain.analytics.series import fill_short_gaps, metric_series
from brain.errors import InvalidQuery

INTERVAL_PERCENT = 80
MIN_DAYS = 28
SEASONAL_MIN_DAYS = 42
MAX_HISTORY = 365
MAX_HORIZON = 14
MAX_LEAD = 14  # days between the last data and the end of the timeline still forecast from
MAX_GAP = 2
MANY_FILLED = 0.1
BACKTEST_RANGE = (7, 90)

# (name, ETSModel arguments, days of data needed), richest first
_MODELS: tuple[tuple[str, dict[str, Any], int], ...] = (
    (
        "ETS(A,Ad,A) weekly",
        {"trend": "add", "damped_trend": True, "seasonal": "add", "seasonal_periods": 7},
        SEASONAL_MIN_DAYS,
    ),
    ("ETS(A,Ad,N)", {"trend": "add", "damped_trend": True}, MIN_DAYS),
    ("ETS(A,N,N)", {}, MIN_DAYS),
)


class ForecastPoint(BaseModel):
    """One forecast day: the point forecast and its prediction interval."""

    model_config = ConfigDict(frozen=True)

    date: date
    value: float
    low: float
    high: float


class Forecast(AnalysisResult):
    metric: str
    horizon: int
    model: str | None = None
    interval_percent: int = INTERVAL_PERCENT
    min_days: int = MIN_DAYS
    points: list[ForecastPoint] = Field(default_factory=list)
    mean_forecast: float | None = None
    last_data: date | None = None
    lead_days: int = 0
    filled_days: int = 0
    unused_days: int = 0
    backtest_days: int
    backtest_mae: float | None = None
    naive_mae: float | None = None
    seasonal_naive_mae: float | None = None
    beats_naive: bool | None = None


def forecast(
    daily: pd.DataFrame, metric: str, *, horizon: int = 7, backtest_days: int = 28
) -> Forecast:
    """The next `horizon` days of `metric` after the timeline's last day, with intervals."""
    if not 1 <= horizon <= MAX_HORIZON:
        raise InvalidQuery(f"horizon must be between 1 and {MAX_HORIZON} days, not {horizon}")
    if not BACKTEST_RANGE[0] <= backtest_days <= BACKTEST_RANGE[1]:
        low, high = BACKTEST_RANGE
        raise InvalidQuery(f"backtest_days must be between {low} and {high}, not {backtest_days}")
    raw = metric_series(daily, metric)
    stretch = _latest_stretch(fill_short_gaps(raw, MAX_GAP))
    base: dict[str, Any] = {
        "metric": metric,
        "horizon": horizon,
        "backtest_days": backtest_days,
        "n": len(stretch),
        "method": (
            f"exponential smoothing (statsmodels ETSModel; {_MODELS[0][0]} with "
            f"{SEASONAL_MIN_DAYS}+ days, else without the season), exact {INTERVAL_PERCENT}% "
            f"prediction intervals; fitted on the latest stretch without a gap over {MAX_GAP} "
            f"days (at most {MAX_HISTORY}); backtest: one-shot forecast of the last "
            f"{backtest_days} days vs the last value and the same weekday last week"
        ),
    }
    if len(stretch) < MIN_DAYS:
        return _insufficient(
            base,
            f"the latest stretch without a gap over {MAX_GAP} days has {len(stretch)} days",
        )
    lead = int((raw.index[-1] - stretch.index[-1]).days)
    base |= {
        "last_data": stretch.index[-1].date(),
        "lead_days": lead,
        "filled_days": int(raw.reindex(stretch.index).isna().sum()),
        "unused_days": int(raw.notna().sum() - raw.reindex(stretch.index).notna().sum()),
    }
    if lead > MAX_LEAD:
        return _insufficient(base, f"the last {metric} data are {lead} days old")
    if stretch.nunique() == 1:
        return _insufficient(base, f"{metric} had the same value on all {len(stretch)} days")
    models = [m for m in _MODELS if len(stretch) >= m[2]]
    values = stretch.to_numpy(dtype=float)
    floor = 0.0 if values.min() >= 0 else -np.inf
    fitted = _fit_and_predict(values, models, lead + horizon)
    if fitted is None:
        return _insufficient(base, f"no model could be fitted to {metric}")
    name, frame = fitted
    frame = frame.iloc[lead:].clip(lower=floor)
    days = pd.date_range(raw.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    points = [
        ForecastPoint(date=day.date(), value=row.mean, low=row.pi_lower, high=row.pi_upper)
        for day, row in zip(days, frame.itertuples(), strict=True)
    ]
    backtest = _backtest(stretch, raw, models, backtest_days, floor)
    result = Forecast(
        **base,
        model=name,
        points=points,
        mean_forecast=float(np.mean([p.value for p in points])),
        **backtest,
        summary="",
    )
    return result.model_copy(
        update={"caveats": _caveats(result), "summary": _summary(result, values)}
    )


def _insufficient(base: dict[str, Any], reason: str) -> Forecast:
    return Forecast(
        **base,
        caveats=[f"{INSUFFICIENT}: {reason}; a forecast needs {MIN_DAYS} recent days."],
        summary=f"Not enough {base['metric']} data to forecast: {reason}.",
    )


def _latest_stretch(series: pd.Series) -> pd.Series:
    """The days after the last remaining gap up to the last day with data (≤ MAX_HISTORY)."""
    observed = series.notna().to_numpy()
    if not observed.any():
        return series.iloc[:0]
    last = int(np.flatnonzero(observed)[-1])
    gaps = np.flatnonzero(~observed[:last])
    first = int(gaps[-1]) + 1 if gaps.size else 0
    return series.iloc[max(first, last + 1 - MAX_HISTORY) : last + 1]


def _fit_and_predict(
    values: np.ndarray, models: list[tuple[str, dict[str, Any], int]], steps: int
) -> tuple[str, pd.DataFrame] | None:
    """The first model (richest first) whose fit gives finite forecasts, and its forecast
    frame (mean, pi_lower, pi_upper) for the next `steps` days; None if none fits."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    for name, arguments, _ in models:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence chatter; bad fits are caught below
                endog = pd.Series(values)  # statsmodels needs an index to label predictions
                model = ETSModel(endog, error="add", initialization_method="heuristic", **arguments)
                fitted = model.fit(disp=False)
                prediction = fitted.get_prediction(start=len(values), end=len(values) + steps - 1)
                frame = prediction.summary_frame(alpha=1 - INTERVAL_PERCENT / 100)
        except (ValueError, np.linalg.LinAlgError):
            continue
        frame = frame[["mean", "pi_lower", "pi_upper"]].reset_index(drop=True)
        if np.isfinite(frame.to_numpy()).all():
            return name, frame
    return None


def _backtest(
    stretch: pd.Series,
    raw: pd.Series,
    models: list[tuple[str, dict[str, Any], int]],
    days: int,
    floor: float,
) -> dict[str, Any]:
    """MAE of the model refitted without the last `days` days, and of two naive guesses,
    on the held-out days with real (not interpolated) data; empty when too short."""
    train = stretch.to_numpy(dtype=float)[:-days]
    if len(train) < models[0][2]:
        return {}
    actual = raw.reindex(stretch.index[-days:]).to_numpy(dtype=float)
    real = np.isfinite(actual)
    fitted = _fit_and_predict(train, models, days)
    if fitted is None:
        return {}
    predicted = fitted[1]["mean"].clip(lower=floor).to_numpy()
    last_week = np.resize(train[-7:], days)

    def mae(guess: np.ndarray) -> float:
        return float(np.mean(np.abs(guess - actual)[real]))

    model_mae, naive, seasonal = mae(predicted), mae(np.full(days, train[-1])), mae(last_week)
    return {
        "backtest_mae": model_mae,
        "naive_mae": naive,
        "seasonal_naive_mae": seasonal,
        "beats_naive": model_mae < min(naive, seasonal),
    }


def _better_naive(result: Forecast) -> tuple[float | None, str]:
    """The backtest's better naive guess: its error and what it assumes."""
    naive, seasonal = result.naive_mae, result.seasonal_naive_mae
    if naive is not None and seasonal is not None and seasonal < naive:
        return seasonal, "the same weekday last week"
    return naive, "the last value"


def _caveats(result: Forecast) -> list[str]:
    caveats = [
        f"{result.interval_percent}% intervals: about 1 day in 5 should fall outside; they "
        "assume the coming days behave like the fitted past (no holiday or illness foreseen)."
    ]
    if result.backtest_mae is None:
        caveats.append(
            f"No backtest: it needs {result.backtest_days} held-out days plus enough to fit."
        )
    elif not result.beats_naive:
        _, guess = _better_naive(result)
        caveats.append(
            "The model did not beat a naive guess in the backtest, so this forecast is no "
            f"better than assuming {guess}."
        )
    if result.filled_days > MANY_FILLED * result.n:
        caveats.append(
            f"{result.filled_days} of the {result.n} days used were missing and interpolated."
        )
    if result.unused_days and result.n < MAX_HISTORY:
        caveats.append(
            f"{result.unused_days} older days with data were not used: they lie before a gap "
            f"of more than {MAX_GAP} days."
        )
    if result.lead_days:
        caveats.append(
            f"The last {result.metric} data are from {result.last_data}, {result.lead_days} "
            "days before the end of the timeline; the forecast bridges that gap."
        )
    return caveats


def _summary(result: Forecast, values: np.ndarray) -> str:
    digits = metric_digits(values)

    def text(value: float | None) -> str:
        return fmt(value, digits)

    if result.horizon == 1:
        point = result.points[0]
        lead = (
            f"On {point.date.isoformat()} {result.metric} is forecast at {text(point.value)} "
            f"({result.interval_percent}% interval {text(point.low)} to {text(point.high)})"
        )
    else:
        forecast_values = [p.value for p in result.points]
        lead = (
            f"Over the next {result.horizon} days {result.metric} is forecast at "
            f"{text(min(forecast_values))} to {text(max(forecast_values))} a day (mean "
            f"{text(result.mean_forecast)}; {result.interval_percent}% intervals per day)"
        )
    if result.backtest_mae is None:
        return f"{lead}; there was too little data to backtest the model."
    naive, guess = _better_naive(result)
    return (
        f"{lead}; in a {result.backtest_days}-day backtest its mean error was "
        f"{text(result.backtest_mae)} vs {text(naive)} for {guess}."
    )
