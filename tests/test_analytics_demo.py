"""Every analysis through the real path (exports -> importers -> store -> Analytics) on the
two-year demo person, against the structural model's known answers."""

from __future__ import annotations

import pytest

from brain.analytics.anomalies import anomalies
from brain.analytics.causal import causal_effect
from brain.analytics.change_points import change_points
from brain.analytics.forecast import forecast
from brain.analytics.granger import granger
from brain.analytics.result import ungrounded_numbers
from brain.analytics.service import Analytics
from brain.analytics.simulator import fit_simulator
from brain.analytics.trend import trend
from brain.demo import TRUE_EFFECTS
from brain.store import Store


@pytest.fixture(scope="module")
def analytics(demo_store: Store) -> Analytics:
    return Analytics(demo_store)


def test_causal_effect_of_steps_is_the_true_one_not_the_naive_slope(analytics: Analytics):
    result = analytics.run("alex", causal_effect, treatment="steps", outcome="valence")
    true = TRUE_EFFECTS["steps_on_valence_per_step"]
    assert result.effect == pytest.approx(true, rel=0.3)
    assert not result.ci_low <= result.naive_slope <= result.ci_high
    assert result.naive_slope > 2 * true
    assert all(r.passed for r in result.refutations) and len(result.refutations) >= 2
    assert ungrounded_numbers(result) == []


def test_granger_finds_yesterdays_drinks(analytics: Analytics):
    result = analytics.run("alex", granger, cause="alcohol_drinks", effect="valence")
    assert result.significant
    assert any("not" in caveat and "caus" in caveat for caveat in result.caveats)
    assert ungrounded_numbers(result) == []


def test_simulator_on_imported_data(analytics: Analytics):
    model = analytics.cached("alex", "simulator", lambda data: fit_simulator(data.daily))
    more_sleep = model.simulate({"sleep_hours": 8.5})
    less_sleep = model.simulate({"sleep_hours": 6.0})
    assert more_sleep.valence > less_sleep.valence
    assert model.fit_result.cv_mae_valence < model.fit_result.baseline_mae_valence
    assert model.simulate({"sleep_hours": 30}).refused


def test_forecast_anomalies_trend_and_change_points_run_on_real_data(analytics: Analytics):
    for result in (
        analytics.run("alex", forecast, metric="steps", horizon=7),
        analytics.run("alex", anomalies, metric="valence"),
        analytics.run("alex", trend, metric="sleep_hours"),
        analytics.run("alex", change_points, metric="hours_at_work"),
    ):
        assert result.summary and ungrounded_numbers(result) == []
