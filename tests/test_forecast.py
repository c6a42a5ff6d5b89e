"""Forecasts of the demo person's metrics: weekly rhythm, intervals, backtest, edge cases."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from brain.analytics.forecast import Forecast, forecast
from brain.analytics.result import (
    INSUFFICIENT,
    ungrounded_numbers,
)
from brain.demo import TRUE_EFFECTS
from brain.errors import InvalidQuery


@pytest.fixture(scope="module")
def steps(daily: pd.DataFrame) -> Forecast:
    return forecast(daily, "steps", horizon=7)


def _frame(values: np.ndarray) -> pd.DataFrame:
    index = pd.date_range("2025-01-01", periods=len(values), freq="D")
    return pd.DataFrame({"m": values}, index=index)


def test_free_days_are_forecast_higher_than_workdays(steps: Forecast, daily: pd.DataFrame):
    assert TRUE_EFFECTS["free_day_on_steps"] > 2000
    by_weekday = {point.date.weekday(): point for point in steps.points}
    assert sorted(by_weekday) == list(range(7))
    assert by_weekday[5].value > by_weekday[1].value + 1500  # Saturday vs Tuesday
    assert steps.points[0].date == (daily.index[-1] + pd.Timedelta(days=1)).date()
    assert steps.model == "ETS(A,Ad,A) weekly"
    assert steps.sufficient


def test_the_model_beats_both_naive_guesses_on_steps(steps: Forecast):
    assert steps.backtest_mae is not None
    assert steps.naive_mae is not None and steps.seasonal_naive_mae is not None
    assert steps.beats_naive is True
    assert steps.backtest_mae < 0.8 * min(steps.naive_mae, steps.seasonal_naive_mae)
    assert not any("did not beat" in caveat for caveat in steps.caveats)


def test_intervals_contain_the_point_and_do_not_shrink(daily: pd.DataFrame):
    for metric in ("steps", "hrv_sdnn_ms", "sleep_hours"):
        result = forecast(daily, metric, horizon=14)
        widths = [point.high - point.low for point in result.points]
        assert all(point.low <= point.value <= point.high for point in result.points)
        assert all(b >= a * (1 - 1e-9) for a, b in itertools.pairwise(widths))
        assert result.interval_percent == 80


def test_never_negative_metrics_get_no_negative_forecasts(daily: pd.DataFrame):
    result = forecast(daily, "alcohol_drinks", horizon=14)
    assert all(point.low >= 0 and point.value >= 0 for point in result.points)


def test_horizon_bounds():
    frame = _frame(np.random.default_rng(0).normal(10, 1, 120))
    assert len(forecast(frame, "m", horizon=1).points) == 1
    assert len(forecast(frame, "m", horizon=14).points) == 14
    for horizon in (0, 15, -3):
        with pytest.raises(InvalidQuery):
            forecast(frame, "m", horizon=horizon)
    with pytest.raises(InvalidQuery):
        forecast(frame, "m", backtest_days=0)
    with pytest.raises(InvalidQuery):
        forecast(frame, "unknown")


def test_too_little_data_gives_a_caveat_and_no_points():
    result = forecast(_frame(np.random.default_rng(0).normal(10, 1, 20)), "m")
    assert not result.sufficient
    assert result.caveats[0].startswith(INSUFFICIENT)
    assert result.points == [] and result.mean_forecast is None and result.backtest_mae is None
    assert ungrounded_numbers(result) == []


def test_a_constant_series_gives_a_caveat_not_an_exception():
    result = forecast(_frame(np.full(90, 4.0)), "m")
    assert not result.sufficient
    assert "same value" in result.caveats[0]
    assert result.points == []
    assert ungrounded_numbers(result) == []


def test_short_history_drops_the_season_and_skips_the_backtest():
    result = forecast(_frame(np.random.default_rng(2).normal(10, 1, 35)), "m", horizon=3)
    assert result.sufficient
    assert result.model == "ETS(A,Ad,N)"
    assert result.backtest_mae is None and result.beats_naive is None
    assert any(caveat.startswith("No backtest") for caveat in result.caveats)
    assert "too little data to backtest" in result.summary
    assert ungrounded_numbers(result) == []


def test_gaps_short_ones_filled_long_ones_cut_recent_silence_bridged():
    values = np.random.default_rng(3).normal(50, 5, 200)
    values[60:70] = np.nan  # long gap: only the data after it are used
    values[150:152] = np.nan  # short gap: interpolated
    values[-3:] = np.nan  # no data for the last three days of the timeline
    frame = _frame(values)
    result = forecast(frame, "m", horizon=5)
    assert result.n == 200 - 70 - 3
    assert result.filled_days == 2
    assert result.unused_days == 60
    assert result.lead_days == 3
    assert result.points[0].date == (frame.index[-1] + pd.Timedelta(days=1)).date()
    assert any("older days" in caveat for caveat in result.caveats)
    assert any("days before the end of the timeline" in caveat for caveat in result.caveats)
    assert ungrounded_numbers(result) == []


def test_old_data_are_not_forecast_from():
    values = np.random.default_rng(4).normal(50, 5, 200)
    values[-20:] = np.nan
    result = forecast(_frame(values), "m")
    assert not result.sufficient
    assert "20 days old" in result.caveats[0]


def test_summary_numbers_are_the_results_numbers(daily: pd.DataFrame, steps: Forecast):
    assert ungrounded_numbers(steps) == []
    assert "," in steps.summary  # thousands separators for steps
    for metric, horizon in (("valence", 7), ("sleep_hours", 1), ("resting_hr", 14)):
        assert ungrounded_numbers(forecast(daily, metric, horizon=horizon)) == []


def test_results_are_deterministic(daily: pd.DataFrame, steps: Forecast):
    assert forecast(daily, "steps", horizon=7).model_dump() == steps.model_dump()
