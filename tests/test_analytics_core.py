"""Stats, periods, correlations, weekday profile, chronotype and the per-person cache."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brain.analytics.chronotype import (
    chronotype,
    circular_mean,
    clock,
    clock_difference,
    hhmm,
    msf_sc,
)
from brain.analytics.correlation import correlate, correlation_scan
from brain.analytics.periods import Period, resolve
from brain.analytics.result import INSUFFICIENT, ungrounded_numbers
from brain.analytics.service import Analytics
from brain.analytics.stats import stats_lookup
from brain.analytics.weekday import weekday_profile
from brain.demo import TRUE_EFFECTS
from brain.errors import InvalidQuery
from brain.store import Store

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def analytics(demo_store: Store) -> Analytics:
    return Analytics(demo_store)


@pytest.fixture(scope="module")
def imported(analytics: Analytics) -> pd.DataFrame:
    """The demo person's daily frame as imported from the exports."""
    return analytics.data("alex").daily


def small_frame(**columns: list[float]) -> pd.DataFrame:
    length = len(next(iter(columns.values())))
    index = pd.date_range("2026-01-01", periods=length, freq="D", name="day")
    return pd.DataFrame(columns, index=index, dtype=float)


# periods and stats ----------------------------------------------------------------------------


def test_periods_resolve_relative_to_the_last_day_of_data():
    anchor = date(2026, 10, 31)
    assert resolve(Period(last_days=7), anchor).first == date(2026, 10, 25)
    assert resolve(Period(last_weeks=2), anchor).first == date(2026, 10, 18)
    may = resolve(Period(month="May"), anchor)
    assert (may.first, may.last, may.label) == (date(2026, 5, 1), date(2026, 5, 31), "May 2026")
    assert resolve(Period(month="December"), anchor).first == date(2025, 12, 1)
    assert resolve(Period(month="2025-02"), anchor).last == date(2025, 2, 28)
    with pytest.raises(InvalidQuery, match="cannot read the month"):
        resolve(Period(month="Smarch"), anchor)
    with pytest.raises(ValueError, match="only one of"):
        Period(last_days=3, month="May")


def test_stats_lookup_numbers_and_change():
    frame = small_frame(steps=[1000.0] * 7 + [2000.0, 4000.0, 3000.0] + [np.nan] * 4)
    result = stats_lookup(frame, "steps", Period(last_days=7))
    assert (result.n, result.mean, result.median) == (3, 3000.0, 3000.0)
    assert (result.minimum, result.maximum, result.total) == (2000.0, 4000.0, 9000.0)
    assert result.previous_mean == 1000.0 and result.change == 2000.0
    assert result.change_percent == pytest.approx(200.0)
    assert "up 2,000" in result.summary and ungrounded_numbers(result) == []


def test_stats_lookup_weekdays_weekends_and_empty_periods(imported: pd.DataFrame):
    weekends = stats_lookup(imported, "steps", Period(last_weeks=12, days="weekends"))
    weekdays = stats_lookup(imported, "steps", Period(last_weeks=12, days="weekdays"))
    assert weekends.n == 24 and weekdays.n == 60
    assert weekends.mean > weekdays.mean  # free days have +2,500 steps in the model
    empty = stats_lookup(imported, "steps", Period(start=date(2020, 1, 1), end=date(2020, 1, 31)))
    assert not empty.sufficient and empty.mean is None and empty.caveats[0].startswith(INSUFFICIENT)
    with pytest.raises(InvalidQuery, match=r"no metric 'moood'.*available: .*valence"):
        stats_lookup(imported, "moood")


# correlations -------------------------------------------------------------------------------


def test_sleep_and_mood_correlate_as_the_model_says(imported: pd.DataFrame):
    result = correlate(imported, "sleep_hours", "valence", max_lag=2)
    assert [lag.lag for lag in result.lags] == [0, 1, 2]
    assert result.best_lag == 0 and result.r > 0.5 and result.p < 1e-6
    assert result.lags[0].spearman_rho > 0.5
    assert result.summary.startswith("On days when you sleep more, your mood tends to be more")
    assert ungrounded_numbers(result) == []


def test_a_lagged_effect_is_found_at_its_lag():
    rng = np.random.default_rng(3)
    x = rng.normal(size=400)
    y = np.concatenate([[0.0], 0.8 * x[:-1]]) + rng.normal(scale=0.5, size=400)
    result = correlate(small_frame(x=list(x), y=list(y)), "x", "y", max_lag=3)
    assert result.best_lag == 1 and result.r > 0.6
    assert abs(result.lags[0].pearson_r) < 0.15


def test_minimum_data_rule_is_reported_not_a_weak_number():
    short = small_frame(x=list(range(20)), y=list(range(20)))
    result = correlate(short, "x", "y")
    assert result.r is None and not result.sufficient
    assert "share 20 days" in result.caveats[0]
    rare = small_frame(flag=[1.0] * 5 + [0.0] * 95, y=list(np.linspace(0, 1, 100)))
    assert correlate(rare, "flag", "y").r is None  # 5 days with the factor is too few


def test_constant_series_give_caveats_not_nan():
    frame = small_frame(x=[1.0] * 60, y=list(np.linspace(0, 1, 60)))
    result = correlate(frame, "x", "y")
    assert result.r is None and not result.sufficient


def test_scan_finds_true_pairs_and_controls_false_discoveries(imported: pd.DataFrame):
    frame = imported.copy()
    rng = np.random.default_rng(0)
    for i in range(8):
        frame[f"noise_{i}"] = rng.normal(size=len(frame))
    scan = correlation_scan(frame, max_lag=2)
    found = {(p.x, p.y, p.lag) for p in scan.top}
    assert scan.tested > 1000 and scan.significant > 10
    assert all(p.q < 0.05 for p in scan.top)
    noisy = [
        p
        for p in correlation_scan(frame, max_lag=2, top=10_000).top
        if p.x.startswith("noise") or p.y.startswith("noise")
    ]
    assert len(noisy) <= 0.05 * scan.significant + 2
    assert ungrounded_numbers(scan) == []
    assert found  # the strongest pairs are listed


# weekday profile ----------------------------------------------------------------------------


def test_weekday_profile_finds_stressful_mondays(analytics: Analytics):
    result = analytics.run("alex", weekday_profile, source="checkins")
    assert result.standout_weekday == "Monday"
    assert result.standout_quadrant == "high_energy_unpleasant"
    monday = result.weekdays[0]
    saturday = result.weekdays[5]
    share = {s.quadrant: s for s in monday.shares}["high_energy_unpleasant"]
    assert share.low < share.probability < share.high
    assert (
        share.probability
        > {s.quadrant: s for s in saturday.shares}["high_energy_unpleasant"].probability
    )
    for day in result.weekdays:
        assert sum(s.probability for s in day.shares) == pytest.approx(1.0)
    assert ungrounded_numbers(result) == []


def test_weekday_profile_shrinks_small_samples_towards_the_prior():
    checkins = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-01-05"] * 2 + ["2026-01-06"] * 30),  # Mon, Tue
            "quadrant": ["high_energy_pleasant"] * 2 + ["low_energy_pleasant"] * 30,
        }
    )
    result = weekday_profile(checkins, prior=1.0)
    monday = {s.quadrant: s.probability for s in result.weekdays[0].shares}
    assert monday["high_energy_pleasant"] == pytest.approx(3 / 6)  # (2 + 1) / (2 + 4)
    assert any("Only 2 check-ins on Mondays" in c for c in result.caveats)
    assert not weekday_profile(checkins.iloc[:5]).sufficient


# chronotype ---------------------------------------------------------------------------------


def test_mctq_published_worked_example():
    corrected, sd_week = msf_sc(4.0, sd_work=6.0, sd_free=8.0, workdays=5)
    assert sd_week == pytest.approx(46 / 7)
    assert hhmm(corrected) == "03:17"


def test_chronotype_of_the_demo_person(analytics: Analytics):
    result = analytics.run("alex", chronotype, source="sleep")
    assert result.msf == pytest.approx(TRUE_EFFECTS["msf"], abs=0.25)
    assert result.msw == pytest.approx(TRUE_EFFECTS["msw"], abs=0.25)
    assert result.msf_sc == pytest.approx(TRUE_EFFECTS["msf_sc"], abs=0.25)
    assert result.social_jetlag == pytest.approx(TRUE_EFFECTS["social_jetlag"], abs=0.25)
    assert result.category == "intermediate"
    assert "intermediate" in result.category_cut_offs
    assert ungrounded_numbers(result) == []


def test_chronotype_across_midnight_and_with_too_few_nights():
    nights = pd.date_range("2026-01-05", periods=21, freq="D")
    late = nights.day_of_week >= 5
    sleep = pd.DataFrame(
        {
            "night": nights,
            "onset": np.where(late, 1.0, -1.5),  # 01:00 on free days, 22:30 before work
            "wake": np.where(late, 9.0, 5.5),
        }
    )
    sleep["duration"] = sleep["wake"] - sleep["onset"]
    result = chronotype(sleep)
    assert result.msw == pytest.approx(2.0) and result.msf == pytest.approx(5.0)
    assert not chronotype(sleep.iloc[:10]).sufficient


@given(
    st.lists(st.floats(0, 24, allow_nan=False), min_size=1, max_size=30),
    st.floats(-48, 48, allow_nan=False),
)
def test_circular_mean_moves_with_the_clock(times: list[float], shift: float):
    angles = np.asarray(times) / 24 * 2 * np.pi
    if np.hypot(np.sin(angles).mean(), np.cos(angles).mean()) < 1e-3:
        return  # no defined mean direction
    shifted = circular_mean([t + shift for t in times])
    assert abs(clock_difference(shifted, circular_mean(times) + shift)) < 1e-6


@given(st.floats(-100, 100, allow_nan=False), st.floats(-100, 100, allow_nan=False))
def test_clock_difference_is_short_and_antisymmetric(a: float, b: float):
    d = clock_difference(a, b)
    assert -12 < d <= 12
    assert abs(clock(b + d) - clock(a)) % 24 < 1e-6 or abs(clock(b + d) - clock(a)) > 24 - 1e-6
    if abs(d) < 12 - 1e-9:
        assert clock_difference(b, a) == pytest.approx(-d, abs=1e-9)


# the cache ----------------------------------------------------------------------------------


def test_results_are_cached_per_data_version(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'eqm.sqlite3'}") as store:
        store.import_file("sam", FIXTURES / "wide.csv")
        store.import_file("kim", FIXTURES / "wide.csv")
        analytics = Analytics(store)
        first = analytics.run("sam", stats_lookup, metric="steps")
        kim = analytics.run("kim", stats_lookup, metric="steps")
        assert analytics.run("sam", stats_lookup, metric="steps") is first
        more = tmp_path / "more.csv"
        more.write_text("date,steps\n2026-05-18,100\n")
        store.import_file("sam", more)
        again = analytics.run("sam", stats_lookup, metric="steps")
        assert again is not first and again.n == first.n + 1
        assert analytics.run("kim", stats_lookup, metric="steps") is kim  # untouched
