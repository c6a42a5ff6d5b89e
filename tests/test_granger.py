"""Granger causality against the demo person's known causal model and statsmodels' own test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brain.analytics.granger import GrangerResult, granger
from brain.analytics.result import (
    INSUFFICIENT,
    ungrounded_numbers,
)
from brain.demo import TRUE_EFFECTS
from brain.errors import InvalidQuery


def _noise_frame(days: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2025-01-01", periods=days, freq="D")
    return pd.DataFrame({"x": rng.normal(size=days), "y": rng.normal(size=days)}, index=index)


def test_yesterdays_alcohol_predicts_todays_valence(daily: pd.DataFrame):
    assert TRUE_EFFECTS["alcohol_lag1_on_valence"] < 0  # the model's lag-1 effect
    result = granger(daily, "alcohol_drinks", "valence")
    assert result.sufficient
    assert result.significant is True
    assert result.selected_lag == 1
    assert result.best_lag == 1
    assert result.p_value is not None and result.p_value < 0.001
    assert result.n >= 700
    assert [lag.lag for lag in result.lags] == list(range(1, 8))
    assert any("not causation" in caveat for caveat in result.caveats)
    assert "Yesterday's alcohol_drinks helps predict today's valence" in result.summary
    assert ungrounded_numbers(result) == []


def test_no_path_in_the_model_means_no_precedence(daily: pd.DataFrame):
    # Screen time causes nothing in the model, and HRV depends only on drinks and sleep; both
    # follow the week, which the weekday adjustment removes.
    unlinked = granger(daily, "screen_time_min", "hrv_sdnn_ms")
    assert unlinked.sufficient
    assert unlinked.significant is False
    assert unlinked.p_value is not None and unlinked.p_value > 0.05
    assert "did not help predict" in unlinked.summary
    assert any("not causation" in caveat for caveat in unlinked.caveats)
    assert ungrounded_numbers(unlinked) == []


def test_a_shuffled_cause_and_the_reverse_direction_are_not_significant(daily: pd.DataFrame):
    shuffled = daily.copy()
    rng = np.random.default_rng(11)
    shuffled["alcohol_drinks"] = rng.permutation(shuffled["alcohol_drinks"].to_numpy())
    assert granger(shuffled, "alcohol_drinks", "valence").significant is False
    assert granger(daily, "valence", "alcohol_drinks").significant is False


def test_a_shared_weekly_rhythm_alone_fakes_precedence_without_the_weekday_adjustment(
    daily: pd.DataFrame,
):
    plain = granger(daily, "screen_time_min", "hrv_sdnn_ms", weekday_adjusted=False)
    assert plain.significant is True
    assert "weekday" not in plain.summary


def test_the_plain_test_matches_statsmodels():
    from statsmodels.tsa.api import VAR
    from statsmodels.tsa.stattools import grangercausalitytests

    rng = np.random.default_rng(1)
    days = 300
    x = rng.normal(size=days)
    y = np.zeros(days)
    for t in range(2, days):
        y[t] = 0.4 * y[t - 1] + 0.3 * x[t - 2] + rng.normal()
    frame = pd.DataFrame({"y": y, "x": x}, index=pd.date_range("2025-01-01", periods=days))
    result = granger(frame, "x", "y", max_lag=5, weekday_adjusted=False)
    reference = grangercausalitytests(frame[["y", "x"]].to_numpy(), 5)
    assert [lag.p_value for lag in result.lags] == pytest.approx(
        [reference[k][0]["ssr_ftest"][1] for k in range(1, 6)], rel=1e-8, abs=1e-14
    )
    assert [lag.f_stat for lag in result.lags] == pytest.approx(
        [reference[k][0]["ssr_ftest"][0] for k in range(1, 6)], rel=1e-8
    )
    orders = VAR(frame[["y", "x"]].to_numpy()).select_order(5).selected_orders
    assert result.selected_lag == orders["aic"] == 2
    assert result.significant is True
    assert ungrounded_numbers(result) == []


def test_too_little_data_gives_a_caveat_and_no_numbers():
    result = granger(_noise_frame(40), "x", "y")
    assert not result.sufficient
    assert result.caveats[0].startswith(INSUFFICIENT)
    assert result.p_value is None and result.selected_lag is None and result.significant is None
    assert result.lags == []
    assert any("not causation" in caveat for caveat in result.caveats)
    assert ungrounded_numbers(result) == []
    # ten days per lag: 100 days are too few for max_lag = 14 and enough for 7
    assert not granger(_noise_frame(100), "x", "y", max_lag=14).sufficient
    assert granger(_noise_frame(100), "x", "y", max_lag=7).sufficient


def test_a_constant_series_gives_a_caveat_not_an_exception():
    frame = _noise_frame(200)
    frame["y"] = 3.0
    result = granger(frame, "x", "y")
    assert not result.sufficient
    assert "never changed" in result.caveats[0]
    assert result.p_value is None
    assert ungrounded_numbers(result) == []


def test_non_stationary_series_are_differenced_and_say_so():
    rng = np.random.default_rng(5)
    frame = _noise_frame(400)
    frame["x"] = np.cumsum(rng.normal(size=400))
    frame["y"] = np.cumsum(rng.normal(size=400))
    result = granger(frame, "x", "y")
    assert set(result.differenced) == {"x", "y"}
    assert all(result.adf_p_values[name] > 0.05 for name in ("x", "y"))
    assert any("not stationary" in caveat for caveat in result.caveats)
    assert "day-to-day changes in x" in result.summary
    assert result.significant is False
    assert ungrounded_numbers(result) == []


def test_gaps_short_ones_are_filled_long_ones_cost_only_their_days():
    frame = _noise_frame(300)
    frame.iloc[50:52, 1] = np.nan  # two days: interpolated
    frame.iloc[100:130, 1] = np.nan  # a month: left out
    frame = frame.drop(frame.index[200:205])  # missing rows become missing days
    result = granger(frame, "x", "y", max_lag=3)
    assert result.filled_days == 2
    assert result.sufficient
    assert all(np.isfinite(lag.p_value) for lag in result.lags)
    assert result.lags[0].n == 300 - 1 - 31 - 6  # days whose target or lag is missing drop
    assert ungrounded_numbers(result) == []


def test_invalid_queries_raise():
    frame = _noise_frame(100)
    with pytest.raises(InvalidQuery):
        granger(frame, "x", "y", max_lag=0)
    with pytest.raises(InvalidQuery):
        granger(frame, "x", "x")
    with pytest.raises(InvalidQuery):
        granger(frame, "x", "mood")


def test_results_are_deterministic(daily: pd.DataFrame):
    first = granger(daily, "alcohol_drinks", "hrv_sdnn_ms")
    second = granger(daily, "alcohol_drinks", "hrv_sdnn_ms")
    assert isinstance(first, GrangerResult)
    assert first.model_dump() == second.model_dump()
    assert ungrounded_numbers(first) == []
