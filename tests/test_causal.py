"""DoWhy causal effects recover the demo person's known effects, and fail politely."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brain.analytics.causal import CausalEffect, causal_effect
from brain.analytics.result import ungrounded_numbers
from brain.demo import TRUE_EFFECTS
from brain.errors import InvalidQuery


@pytest.fixture(scope="module")
def steps(daily: pd.DataFrame) -> CausalEffect:
    return causal_effect(daily, "steps", "valence")


@pytest.fixture(scope="module")
def alcohol(daily: pd.DataFrame) -> CausalEffect:
    return causal_effect(daily, "alcohol_drinks", "valence", lag=1)


def test_steps_effect_recovered_despite_confounding(steps: CausalEffect) -> None:
    true = TRUE_EFFECTS["steps_on_valence_per_step"]
    assert steps.sufficient
    assert steps.effect == pytest.approx(true, rel=0.3)
    assert steps.naive_slope >= 2 * true
    assert not steps.ci_low <= steps.naive_slope <= steps.ci_high
    assert steps.ci_low < steps.effect < steps.ci_high
    assert all(r.passed for r in steps.refutations)
    assert {r.name for r in steps.refutations} == {
        "placebo treatment (permuted)",
        "random common cause",
    }
    assert steps.per_units == 1000
    assert steps.effect_scaled == pytest.approx(steps.effect * 1000)
    assert ungrounded_numbers(steps) == []


def test_default_adjustment_is_pre_treatment(steps: CausalEffect) -> None:
    adjusted = set(steps.adjusted_for)
    assert {"sleep_hours", "sleep_start", "sleep_end", "steps_lag1", "valence_lag1"} <= adjusted
    assert {f"weekday_{d}" for d in ("tue", "wed", "thu", "fri", "sat", "sun")} <= adjusted
    assert "alcohol_drinks_lag1" in adjusted
    same_day = {"arousal", "heart_rate", "exercise_minutes", "caffeine_mg", "hours_at_work"}
    assert not adjusted & same_day


def test_lagged_alcohol_gives_the_total_effect(alcohol: CausalEffect) -> None:
    """The night after drinking is not adjusted for, so its path counts: the total effect."""
    total = TRUE_EFFECTS["alcohol_lag1_on_valence_total"]
    direct = TRUE_EFFECTS["alcohol_lag1_on_valence"]
    assert alcohol.effect == pytest.approx(total, rel=0.25)
    assert alcohol.ci_low <= total <= alcohol.ci_high
    assert alcohol.ci_high < direct
    assert "sleep_hours_lag1" in alcohol.adjusted_for and "sleep_hours" not in alcohol.adjusted_for
    assert alcohol.unit == "valence per unit of alcohol_drinks (drinks)"
    assert ungrounded_numbers(alcohol) == []


def test_alcohol_shortens_the_next_night(daily: pd.DataFrame) -> None:
    result = causal_effect(daily, "alcohol_drinks", "sleep_hours", lag=1)
    assert result.effect == pytest.approx(TRUE_EFFECTS["alcohol_on_next_sleep_hours"], rel=0.25)


def test_binary_treatment(daily: pd.DataFrame) -> None:
    exercised = daily.assign(exercised=(daily["exercise_minutes"] > 0).astype(float))
    result = causal_effect(exercised, "exercised", "valence")
    assert result.binary and result.sufficient
    assert result.effect > 0 and result.ci_low > 0
    assert result.n_treated + result.n_untreated == result.n
    assert result.n_treated >= 10 and result.n_untreated >= 10
    assert ungrounded_numbers(result) == []


def test_chosen_common_causes(daily: pd.DataFrame) -> None:
    result = causal_effect(
        daily, "steps", "valence", common_causes=["sleep_hours", "weekday_sat", "weekday_sun"]
    )
    assert result.adjusted_for == ["sleep_hours", "weekday_sat", "weekday_sun"]
    assert result.effect == pytest.approx(TRUE_EFFECTS["steps_on_valence_per_step"], rel=0.3)
    assert ungrounded_numbers(result) == []


def test_graph_gives_the_backdoor_set(daily: pd.DataFrame) -> None:
    graph = """digraph {
        sleep_hours -> steps; sleep_hours -> valence; steps -> valence;
        weekday_sat -> steps; weekday_sat -> valence;
        weekday_sun -> steps; weekday_sun -> valence;
    }"""
    result = causal_effect(daily, "steps", "valence", graph=graph)
    assert set(result.adjusted_for) == {"sleep_hours", "weekday_sat", "weekday_sun"}
    assert result.effect == pytest.approx(TRUE_EFFECTS["steps_on_valence_per_step"], rel=0.3)


def test_graph_with_unobserved_confounder_is_refused(daily: pd.DataFrame) -> None:
    with pytest.raises(InvalidQuery, match="no backdoor"):
        causal_effect(
            daily, "steps", "valence", graph="digraph {U -> steps; U -> valence; steps -> valence}"
        )
    with pytest.raises(InvalidQuery, match="directed acyclic"):
        causal_effect(daily, "steps", "valence", graph="/etc/passwd.txt")
    with pytest.raises(InvalidQuery, match="no directed path"):
        causal_effect(daily, "steps", "valence", graph="digraph {valence -> steps}")


def test_unknown_names_raise(daily: pd.DataFrame) -> None:
    with pytest.raises(InvalidQuery, match="no metric 'stepz'"):
        causal_effect(daily, "stepz", "valence")
    with pytest.raises(InvalidQuery, match="unknown adjustment"):
        causal_effect(daily, "steps", "valence", common_causes=["sleepy"])


def test_too_little_data(daily: pd.DataFrame) -> None:
    result = causal_effect(daily.iloc[:30], "steps", "valence")
    assert not result.sufficient
    assert result.effect is None and result.ci_low is None and result.refutations == []
    assert result.n < 30
    assert ungrounded_numbers(result) == []


def test_constant_treatment(daily: pd.DataFrame) -> None:
    result = causal_effect(daily.assign(alcohol_drinks=0.0), "alcohol_drinks", "valence")
    assert not result.sufficient
    assert result.effect is None
    assert any("never varies" in c for c in result.caveats)


def test_treatment_determined_by_adjustment(daily: pd.DataFrame) -> None:
    twin = daily.assign(steps_twin=daily["steps"])
    result = causal_effect(twin, "steps", "valence", common_causes=["steps_twin", "sleep_hours"])
    assert not result.sufficient and result.effect is None
    assert any("determined" in c for c in result.caveats)


def test_sparse_adjustment_column_is_dropped(daily: pd.DataFrame) -> None:
    sparse = daily.copy()
    sparse.loc[sparse.index[::2], "screen_time_min"] = np.nan
    result = causal_effect(sparse, "steps", "valence")
    assert "screen_time_min_lag1" not in result.adjusted_for
    assert any("screen_time_min_lag1" in c for c in result.caveats)
    assert result.sufficient


def test_no_clear_effect_is_said(daily: pd.DataFrame) -> None:
    noise = np.random.default_rng(1).normal(size=len(daily))
    result = causal_effect(daily.assign(noise=noise), "noise", "valence")
    assert result.ci_low <= 0 <= result.ci_high
    assert any(c.startswith("No clear effect") for c in result.caveats)
    assert "no clear effect" in result.summary
    assert ungrounded_numbers(result) == []


def test_deterministic(daily: pd.DataFrame, steps: CausalEffect) -> None:
    assert causal_effect(daily, "steps", "valence") == steps
