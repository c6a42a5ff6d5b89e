"""Unusual days, trends and change points on synthetic series with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brain.analytics.anomalies import anomalies, robust_z
from brain.analytics.change_points import change_points
from brain.analytics.result import (
    INSUFFICIENT,
    ungrounded_numbers,
)
from brain.analytics.series import fill_short_gaps
from brain.analytics.trend import trend
from brain.demo import simulate
from brain.errors import InvalidQuery

START = pd.Timestamp("2025-01-01")


def _frame(values: np.ndarray) -> pd.DataFrame:
    index = pd.date_range(START, periods=len(values), freq="D")
    return pd.DataFrame({"m": np.asarray(values, dtype=float)}, index=index)


def _day(i: int):
    return (START + pd.Timedelta(days=i)).date()


# --- anomalies ---------------------------------------------------------------------------


def test_injected_spikes_are_found_with_direction_and_severity():
    values = np.random.default_rng(2).normal(50, 2, 365)
    values[100] = 50 + 24.0  # z ≈ 12: extreme
    values[180] = 50 - 12.6  # z ≈ −6.3: very unusual
    values[260] = 50 + 8.4  # z ≈ 4.2: unusual
    result = anomalies(_frame(values), "m")
    found = {a.date: a for a in result.anomalies}
    assert (found[_day(100)].severity, found[_day(100)].direction) == ("extreme", "high")
    assert (found[_day(180)].severity, found[_day(180)].direction) == ("very unusual", "low")
    assert (found[_day(260)].severity, found[_day(260)].direction) == ("unusual", "high")
    assert found[_day(100)].baseline_median == pytest.approx(50, abs=1.5)
    assert found[_day(100)].z == pytest.approx(12, rel=0.4)
    assert result.anomalies[0].date == _day(100)  # most extreme first
    assert result.count == len(result.anomalies) <= 3 + 0.01 * result.n
    assert result.n == 365 - 14  # the first 14 days have no baseline yet
    assert ungrounded_numbers(result) == []


def test_clean_gaussian_noise_flags_almost_nothing():
    result = anomalies(_frame(np.random.default_rng(2).normal(0, 1, 730)), "m")
    # a 28-day MAD makes z roughly t-distributed with ~10 df: about 0.6% of days beyond 3.5
    assert result.count <= 0.01 * result.n
    assert all(abs(a.z) >= 3.5 for a in result.anomalies)
    assert ungrounded_numbers(result) == []


def test_the_day_itself_is_not_part_of_its_baseline():
    values = np.r_[np.random.default_rng(1).normal(10, 1, 40), 100.0]
    z = robust_z(_frame(values)["m"])
    assert z.iloc[-1] > 50
    assert z.iloc[:14].isna().all()


def test_last_days_limits_the_list():
    values = np.random.default_rng(2).normal(50, 2, 365)
    values[100], values[350] = 80.0, 80.0
    result = anomalies(_frame(values), "m", last_days=30)
    assert [a.date for a in result.anomalies] == [_day(350)]
    assert result.n == 30
    assert "last 30 days" in result.summary
    assert ungrounded_numbers(result) == []


def test_mad_zero_falls_back_and_never_divides_by_zero():
    values = np.zeros(120)
    values[::10] = 2.0  # mostly zero: MAD = 0, mean absolute deviation > 0
    values[95] = 30.0
    result = anomalies(_frame(values), "m")
    assert _day(95) in {a.date for a in result.anomalies}
    assert all(np.isfinite(a.z) for a in result.anomalies)
    assert result.mean_ad_days > 0
    assert any("MAD = 0" in caveat for caveat in result.caveats)
    flat = np.zeros(60)
    flat[50] = 3.0  # a baseline that never varied: no finite z exists
    flagged = anomalies(_frame(flat), "m")
    assert flagged.anomalies == [] and flagged.flat_baseline_days == 1
    assert any("never varied" in caveat for caveat in flagged.caveats)


def test_anomalies_of_a_constant_series_and_of_too_little_data():
    constant = anomalies(_frame(np.full(100, 7.0)), "m")
    assert constant.anomalies == [] and constant.sufficient
    assert any("same value" in caveat for caveat in constant.caveats)
    short = anomalies(_frame(np.arange(10.0)), "m")
    assert not short.sufficient and short.caveats[0].startswith(INSUFFICIENT)
    assert short.anomalies == [] and short.n == 0
    for result in (constant, short):
        assert ungrounded_numbers(result) == []


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(-1000, 1000), min_size=20, max_size=80),
    shift=st.integers(-10_000, 10_000),
    factor=st.sampled_from([0.5, 2.0, 3.0, 10.0]),
)
def test_robust_z_ignores_shifts_and_scale(values: list[int], shift: int, factor: float):
    series = _frame(np.array(values, dtype=float))["m"]
    z = robust_z(series, window=14).to_numpy()
    shifted = robust_z(series + shift, window=14).to_numpy()
    scaled = robust_z(series * factor, window=14).to_numpy()
    flipped = robust_z(series * -factor, window=14).to_numpy()
    np.testing.assert_allclose(shifted, z, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(scaled, z, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(flipped, -z, rtol=1e-9, atol=1e-9)


# --- trend -------------------------------------------------------------------------------


def test_a_known_linear_trend_has_the_right_sign_and_slope():
    rng = np.random.default_rng(3)
    days = np.arange(120)
    rising = 20 + 0.1 * days + rng.normal(0, 1, 120)
    result = trend(_frame(rising), "m", days=90)
    assert result.direction == "rising"
    assert result.slope_per_week == pytest.approx(0.7, abs=0.1)
    assert result.slope_low < 0.7 < result.slope_high
    assert result.change_over_period == pytest.approx(0.1 * 89, rel=0.15)
    assert result.n == 90 and result.p_value < 0.001
    assert ungrounded_numbers(result) == []
    falling = trend(_frame(-rising), "m", days=90)
    assert falling.direction == "falling"
    assert falling.slope_per_week == pytest.approx(-0.7, abs=0.1)
    assert ungrounded_numbers(falling) == []


def test_flat_noise_is_flat():
    result = trend(_frame(np.random.default_rng(4).normal(5, 1, 200)), "m")
    assert result.direction == "flat"
    assert result.p_value >= 0.05
    assert result.slope_low < 0 < result.slope_high
    assert "not a clear trend" in result.summary
    assert ungrounded_numbers(result) == []


def test_trend_of_a_constant_series_and_of_too_little_data():
    constant = trend(_frame(np.full(100, 3.0)), "m")
    assert constant.direction == "flat" and constant.slope_per_week == 0
    assert constant.p_value is None and constant.sufficient
    short = trend(_frame(np.arange(10.0)), "m")
    assert not short.sufficient and short.direction is None and short.slope_per_week is None
    with pytest.raises(InvalidQuery):
        trend(_frame(np.arange(100.0)), "m", days=5)
    for result in (constant, short):
        assert ungrounded_numbers(result) == []


def test_persistent_series_warn_that_the_p_value_is_optimistic():
    walk = np.cumsum(np.random.default_rng(6).normal(0, 1, 120))
    result = trend(_frame(walk), "m")
    assert result.lag1_autocorrelation is not None and result.lag1_autocorrelation > 0.3
    assert any("optimistic" in caveat for caveat in result.caveats)


# --- change points -----------------------------------------------------------------------


def test_a_known_step_is_found_within_three_days():
    values = np.random.default_rng(5).normal(10, 1, 400)
    values[230:] += 2.0
    result = change_points(_frame(values), "m")
    assert result.count == 1
    point = result.change_points[0]
    assert abs((point.date - _day(230)).days) <= 3
    assert point.mean_before == pytest.approx(10, abs=0.3)
    assert point.mean_after == pytest.approx(12, abs=0.3)
    assert point.change == pytest.approx(2, abs=0.4)
    assert ungrounded_numbers(result) == []


def test_two_steps_with_gaps_in_the_data():
    values = np.random.default_rng(7).normal(0, 1, 300)
    values[100:200] += 3.0
    values[150:160] = np.nan
    result = change_points(_frame(values), "m")
    assert result.count == 2
    for cut, point in zip((100, 200), result.change_points, strict=True):
        assert abs((point.date - _day(cut)).days) <= 3
    assert result.n == 290
    assert ungrounded_numbers(result) == []


def test_noise_has_no_change_points():
    result = change_points(_frame(np.random.default_rng(8).normal(0, 1, 730)), "m")
    assert result.change_points == [] and result.count == 0
    assert "No lasting shift" in result.summary
    assert ungrounded_numbers(result) == []


def test_change_points_of_a_constant_series_and_of_too_little_data():
    constant = change_points(_frame(np.full(100, 1.0)), "m")
    assert constant.change_points == [] and constant.sufficient
    short = change_points(_frame(np.arange(20.0)), "m")
    assert not short.sufficient and short.change_points == []
    with pytest.raises(InvalidQuery):
        change_points(_frame(np.arange(100.0)), "m", min_segment=1)
    for result in (constant, short):
        assert ungrounded_numbers(result) == []


# --- shared ------------------------------------------------------------------------------


def test_only_short_gaps_are_filled():
    series = _frame(np.array([1, np.nan, 3, np.nan, np.nan, 6, np.nan, np.nan, np.nan, 10]))["m"]
    filled = fill_short_gaps(series, max_gap=2)
    assert filled.iloc[:6].tolist() == [1, 2, 3, 4, 5, 6]
    assert filled.iloc[6:9].isna().all()


def test_demo_metrics_give_grounded_deterministic_results():
    daily = simulate(days=200).daily
    for metric in ("steps", "valence", "alcohol_drinks", "hrv_sdnn_ms"):
        for analyse in (anomalies, trend, change_points):
            first, second = analyse(daily, metric), analyse(daily, metric)
            assert first.model_dump() == second.model_dump()
            assert ungrounded_numbers(first) == []
    with pytest.raises(InvalidQuery):
        anomalies(daily, "no_such_metric")
