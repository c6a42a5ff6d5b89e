"""The what-if mood simulator recovers the demo person's habits, validates out of sample and
refuses to extrapolate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brain.affect import QUADRANTS
from brain.analytics.result import (
    INSUFFICIENT,
    fmt,
    ungrounded_numbers,
)
from brain.analytics.simulator import MoodSimulator, fit_simulator
from brain.demo import TRUE_EFFECTS
from brain.errors import InvalidQuery


@pytest.fixture(scope="module")
def simulator(daily: pd.DataFrame) -> MoodSimulator:
    return fit_simulator(daily)


def typical(simulator: MoodSimulator, name: str) -> float:
    return simulator.fit_result.typical_day[name]


def test_fit_uses_the_default_predictors(simulator: MoodSimulator) -> None:
    fit = simulator.fit_result
    assert fit.sufficient and fit.n > 600
    assert fit.predictors == [
        "sleep_hours",
        "steps",
        "exercise_minutes",
        "caffeine_mg",
        "alcohol_drinks_yesterday",
        "mindful_minutes",
        "hours_at_work",
    ]
    assert {"intercept", "sleep_hours", "weekday_sat"} <= set(fit.coefficients["valence"])
    assert ungrounded_numbers(fit) == []


def test_model_beats_naive_baselines_out_of_sample(simulator: MoodSimulator) -> None:
    fit = simulator.fit_result
    assert fit.folds == 5
    assert fit.cv_mae_valence < fit.baseline_mae_valence
    assert fit.cv_mae_valence < fit.weekday_baseline_mae_valence
    assert fit.cv_mae_arousal < fit.baseline_mae_arousal
    assert not any("no better" in c for c in fit.caveats)


def test_sleep_effect_recovered(simulator: MoodSimulator) -> None:
    more_sleep = simulator.simulate({"sleep_hours": typical(simulator, "sleep_hours") + 1})
    assert more_sleep.delta_valence == pytest.approx(
        TRUE_EFFECTS["sleep_on_valence_per_hour"], rel=0.4
    )
    assert more_sleep.delta_arousal == pytest.approx(
        TRUE_EFFECTS["sleep_on_arousal_per_hour"], rel=0.4
    )
    assert ungrounded_numbers(more_sleep) == []


def test_directions_recovered(simulator: MoodSimulator) -> None:
    steps = simulator.simulate({"steps": typical(simulator, "steps") + 2000})
    drinks = simulator.simulate({"alcohol_drinks_yesterday": 3})
    caffeine = simulator.simulate({"caffeine_mg": typical(simulator, "caffeine_mg") + 100})
    assert steps.delta_valence > 0
    assert drinks.delta_valence < 0
    assert caffeine.delta_arousal == pytest.approx(
        100 * TRUE_EFFECTS["caffeine_on_arousal_per_mg"], rel=0.4
    )
    for result in (steps, drinks, caffeine):
        assert ungrounded_numbers(result) == []


def test_simulation_fields(simulator: MoodSimulator) -> None:
    result = simulator.simulate({"sleep_hours": 8, "steps": 10_000}, weekday=5)
    assert not result.refused and result.sufficient
    assert result.inputs["sleep_hours"] == 8 and result.inputs["steps"] == 10_000
    assert result.baseline_inputs == simulator.fit_result.typical_day
    low, high = result.valence_range
    assert low < result.valence < high
    assert set(result.quadrant_probabilities) == set(QUADRANTS)
    assert sum(result.quadrant_probabilities.values()) == pytest.approx(1)
    assert result.likely_quadrant == max(QUADRANTS, key=result.quadrant_probabilities.get)
    assert result.delta_valence == pytest.approx(result.valence - result.baseline_valence)
    assert "Saturday" in result.summary and "10,000 steps" in result.summary
    assert ungrounded_numbers(result) == []


@pytest.mark.parametrize(
    ("name", "value"), [("sleep_hours", 30), ("steps", 200_000), ("steps", -5)]
)
def test_far_outside_values_are_refused(simulator: MoodSimulator, name: str, value: float) -> None:
    result = simulator.simulate({name: value})
    assert result.refused
    assert result.valence is None and result.arousal is None
    assert result.quadrant_probabilities is None
    low, high = simulator.fit_result.observed_ranges[name]
    refusal = result.caveats[0]
    assert name in refusal and f"= {fmt(value)}:" in refusal
    assert f"from {fmt(low)} to {fmt(high)}" in refusal
    assert ungrounded_numbers(result) == []


def test_unknown_predictor_raises_with_valid_names(simulator: MoodSimulator) -> None:
    with pytest.raises(InvalidQuery, match="sleep_hours") as raised:
        simulator.simulate({"sleep": 8})
    assert "'sleep'" in str(raised.value)
    with pytest.raises(InvalidQuery, match="weekday"):
        simulator.simulate({}, weekday=7)
    with pytest.raises(InvalidQuery, match="finite"):
        simulator.simulate({"steps": float("nan")})


def test_too_little_data_refuses_politely(daily: pd.DataFrame) -> None:
    small = fit_simulator(daily.iloc[:20])
    assert not small.fit_result.sufficient
    assert small.fit_result.cv_mae_valence is None and small.fit_result.coefficients == {}
    assert ungrounded_numbers(small.fit_result) == []
    result = small.simulate({"sleep_hours": 8})
    assert result.refused and not result.sufficient
    assert result.caveats[0].startswith(INSUFFICIENT)
    assert result.valence is None
    assert ungrounded_numbers(result) == []


def test_valence_only_timeline(daily: pd.DataFrame) -> None:
    result = fit_simulator(daily.drop(columns=["arousal"])).simulate({"sleep_hours": 8})
    assert result.valence is not None and result.arousal is None
    assert result.quadrant_probabilities is None
    assert ungrounded_numbers(result) == []


def test_chosen_predictors_and_imputation(daily: pd.DataFrame) -> None:
    gappy = daily.copy()
    gappy.loc[gappy.index[::4], "caffeine_mg"] = np.nan
    fit = fit_simulator(gappy, predictors=["sleep_hours", "caffeine_mg", "steps_yesterday"])
    assert fit.fit_result.predictors == ["sleep_hours", "caffeine_mg", "steps_yesterday"]
    assert any("median" in c and "caffeine_mg" in c for c in fit.fit_result.caveats)
    with pytest.raises(InvalidQuery, match="unknown predictors"):
        fit_simulator(daily, predictors=["sleep_hours", "happiness"])


def test_metric_tracked_only_later(daily: pd.DataFrame) -> None:
    late = daily.copy()
    late.loc[late.index[:250], "mindful_minutes"] = np.nan
    fit = fit_simulator(late).fit_result
    assert "mindful_minutes" in fit.predictors
    assert all(np.isfinite(v) for v in fit.coefficients["valence"].values())
    assert fit.cv_mae_valence < fit.baseline_mae_valence


def test_deterministic(daily: pd.DataFrame, simulator: MoodSimulator) -> None:
    again = fit_simulator(daily)
    assert again.fit_result == simulator.fit_result
    change = {"sleep_hours": 6.5, "alcohol_drinks_yesterday": 2}
    assert again.simulate(change) == simulator.simulate(change)
