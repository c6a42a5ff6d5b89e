"""What-if mood simulator: the person's daily valence and arousal as a ridge regression on
their own habits, so "what if I slept 8 hours?" is answered from their own past days.

The model is deliberately simple and interpretable: one linear model per mood axis on the
predictors the person has (sleep, steps, exercise, caffeine, yesterday's drinks, mindful
minutes, hours at work) plus weekday dummies, each predictor's gaps filled with its median.
Its honesty rests on three rules:
- it is validated out of sample in time order (5-fold TimeSeriesSplit) against the naive
  forecasts "your average" and "your average for that weekday", and says so when it loses;
- its 80% ranges and quadrant probabilities come from out-of-sample residuals (wider than
  in-sample ones), the probabilities from a fixed-seed bivariate normal of those residuals;
- it never extrapolates: a value beyond the person's observed range by more than a tenth of
  that range, or a negative amount, is refused with the range it would have needed.
A simulation moves the person's typical day (every predictor at its median, on an average
day of the week unless one is named) and reports both the new and the typical prediction.
Coefficients describe how the person's days went together, not proven effects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from brain.affect import QUADRANTS, Quadrant
from brain.analytics.result import INSUFFICIENT, AnalysisResult, fmt
from brain.errors import InvalidQuery

DEFAULT_PREDICTORS = (
    "sleep_hours",
    "steps",
    "exercise_minutes",
    "caffeine_mg",
    "alcohol_drinks_yesterday",
    "mindful_minutes",
    "hours_at_work",
)
OUTCOMES = ("valence", "arousal")
YESTERDAY = "_yesterday"
WEEKDAY_FEATURES = tuple(f"weekday_{day}" for day in ("tue", "wed", "thu", "fri", "sat", "sun"))
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIN_DAYS = 60
MIN_COVERAGE = 0.5
FULL_COVERAGE = 0.9
FOLDS = 5
INTERVAL = 80
MARGIN = 0.1
DRAWS = 4000
ALPHAS = tuple(10.0**k for k in np.arange(-2.0, 3.5, 0.5))
LIKELY = 2 / 3
_PHRASES = {
    "sleep_hours": "{} h of sleep",
    "steps": "{} steps",
    "exercise_minutes": "{} min of exercise",
    "caffeine_mg": "{} mg of caffeine",
    "alcohol_drinks_yesterday": "{} drinks the day before",
    "mindful_minutes": "{} mindful minutes",
    "hours_at_work": "{} h at work",
}


class SimulatorFit(AnalysisResult):
    """How well the person's mood model predicts days it has not seen."""

    predictors: list[str] = Field(description="Habits the model uses (weekday besides).")
    coefficients: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="Per outcome: mood change per unit of each predictor, and the intercept.",
    )
    cv_mae_valence: float | None = None
    cv_mae_arousal: float | None = None
    baseline_mae_valence: float | None = Field(None, description="Forecasting the mean.")
    baseline_mae_arousal: float | None = None
    weekday_baseline_mae_valence: float | None = Field(
        None, description="Forecasting the mean of the same weekday."
    )
    weekday_baseline_mae_arousal: float | None = None
    folds: int = FOLDS
    typical_day: dict[str, float] = Field(default_factory=dict, description="Medians.")
    observed_ranges: dict[str, tuple[float, float]] = Field(default_factory=dict)


class Simulation(AnalysisResult):
    """Predicted mood for a changed day, next to the person's typical day."""

    changes: dict[str, float] = Field(description="The values asked for.")
    weekday: int | None = Field(None, description="0 = Monday; None: an average weekday.")
    inputs: dict[str, float] = Field(default_factory=dict, description="The whole day.")
    baseline_inputs: dict[str, float] = Field(default_factory=dict)
    refused: bool = False
    valence: float | None = None
    arousal: float | None = None
    interval: int = Field(INTERVAL, description="Coverage of the ranges, in %.")
    valence_range: tuple[float, float] | None = None
    arousal_range: tuple[float, float] | None = None
    quadrant_probabilities: dict[str, float] | None = None
    likely_quadrant: Quadrant | None = None
    baseline_valence: float | None = None
    baseline_arousal: float | None = None
    delta_valence: float | None = None
    delta_arousal: float | None = None


@dataclass(frozen=True, eq=False)
class _OutcomeModel:
    """One mood axis: intercept and per-unit coefficients, and out-of-sample residuals."""

    intercept: float
    coefficients: np.ndarray
    residuals: pd.Series


@dataclass(frozen=True, eq=False)
class _Fitted:
    """What simulate() needs: the predictors, the typical day and the fitted axes."""

    predictors: tuple[str, ...]
    typical: np.ndarray
    weekday_share: np.ndarray
    ranges: dict[str, tuple[float, float]]
    models: dict[str, _OutcomeModel]
    draws: np.ndarray | None


@dataclass(frozen=True, eq=False)
class MoodSimulator:
    """A fitted what-if model; `fit_result` says how far it can be trusted."""

    fit_result: SimulatorFit
    fitted: _Fitted

    def simulate(self, changes: dict[str, float], *, weekday: int | None = None) -> Simulation:
        """Mood on the typical day with `changes` applied (refused rather than extrapolated).

        Raises InvalidQuery for a predictor the model does not use, a non-finite value or a
        weekday outside 0..6; a model without enough data refuses whatever is asked.
        """
        base = {
            "method": self.fit_result.method,
            "n": self.fit_result.n,
            "changes": dict(changes),
            "weekday": weekday,
        }
        caveats = [c for c in self.fit_result.caveats if not c.startswith(INSUFFICIENT)]
        if not self.fitted.models:
            caveats.insert(0, f"{INSUFFICIENT}: the mood model could not be fitted (see its fit).")
            summary = f"Not enough data to simulate your mood yet ({self.fit_result.n} days)."
            return Simulation(**base, refused=True, caveats=caveats, summary=summary)
        _check_changes(self.fitted.predictors, changes, weekday)
        refusals = {name: why for name, v in changes.items() if (why := self._refusal(name, v))}
        if refusals:
            far = [
                f"{_described({name: changes[name]})} is far outside your days" for name in refusals
            ]
            return Simulation(
                **base,
                refused=True,
                caveats=[*refusals.values(), *caveats],
                summary="Not simulated: " + "; ".join(far) + ".",
            )
        return self._predict(base, changes, weekday, caveats)

    def _refusal(self, name: str, value: float) -> str | None:
        """Why `value` is too far from anything the person has had, or None."""
        low, high = self.fitted.ranges[name]
        margin = MARGIN * (high - low)
        if (value < 0 <= low) or not low - margin <= value <= high + margin:
            return (
                f"Refused {name} = {fmt(value)}: your days range from {fmt(low)} to "
                f"{fmt(high)}, and the model does not extrapolate."
            )
        return None

    def _predict(
        self,
        base: dict[str, Any],
        changes: dict[str, float],
        weekday: int | None,
        caveats: list[str],
    ) -> Simulation:
        """Predict the changed and the typical day and put both into a Simulation."""
        fitted = self.fitted
        names = list(fitted.predictors)
        scenario = fitted.typical.copy()
        for name, value in changes.items():
            scenario[names.index(name)] = value
        week = fitted.weekday_share if weekday is None else _weekday_row(weekday)
        fields: dict[str, Any] = {
            "inputs": dict(zip(names, map(float, scenario), strict=True)),
            "baseline_inputs": dict(zip(names, map(float, fitted.typical), strict=True)),
        }
        means = {}
        for outcome, model in fitted.models.items():
            new = _linear(model, np.concatenate([scenario, week]))
            old = _linear(model, np.concatenate([fitted.typical, week]))
            low, high = np.quantile(
                model.residuals, [(1 - INTERVAL / 100) / 2, 0.5 + INTERVAL / 200]
            )
            means[outcome] = new
            fields |= {
                outcome: _clip(new),
                f"{outcome}_range": (_clip(new + low), _clip(new + high)),
                f"baseline_{outcome}": _clip(old),
                f"delta_{outcome}": _clip(new) - _clip(old),
            }
        if fitted.draws is not None:
            probabilities = _quadrant_probabilities(
                means["valence"], means["arousal"], fitted.draws
            )
            fields["quadrant_probabilities"] = probabilities
            fields["likely_quadrant"] = max(QUADRANTS, key=probabilities.__getitem__)
        caveats = [*caveats, "Based on how your past days went together, not a proven effect."]
        summary = _summary(base | fields, weekday)
        return Simulation(**base, **fields, caveats=caveats, summary=summary)


def fit_simulator(
    daily: pd.DataFrame, *, predictors: list[str] | None = None, seed: int = 0
) -> MoodSimulator:
    """Fit and validate the what-if model on a person's daily frame (see module doc).

    Raises InvalidQuery for predictors the frame cannot provide; too little data gives a
    simulator whose fit result carries an insufficient-data caveat and that refuses politely.
    """
    frame = _daily_frame(daily)
    caveats: list[str] = []
    features = _predictor_frame(frame, predictors)
    mood = frame.reindex(columns=list(OUTCOMES))
    days = mood.notna().any(axis=1)
    features, mood = features[days], mood[days]
    features = _usable_predictors(features, caveats)
    names = tuple(features.columns)
    ranges = {c: (float(features[c].min()), float(features[c].max())) for c in names}
    typical = features.median().to_numpy(dtype=float)
    weekdays = _weekday_frame(features.index)
    models, scores = {}, {}
    for outcome in OUTCOMES:
        known = mood[outcome].notna()
        if known.sum() < MIN_DAYS:
            if known.any():
                caveats.append(f"Only {int(known.sum())} days with {outcome}: not modelled.")
            continue
        models[outcome], scores[outcome] = _fit_outcome(
            features[known], weekdays[known], mood.loc[known, outcome]
        )
        caveats.extend(_score_caveats(outcome, scores[outcome]))
    n = int(days.sum())
    if not models:
        caveats.insert(
            0, f"{INSUFFICIENT}: {n} days with a mood entry, at least {MIN_DAYS} are needed."
        )
    draws = _residual_draws(models, seed)
    fitted = _Fitted(names, typical, weekdays.mean().to_numpy(), ranges, models, draws)
    fit = _fit_result(n, names, models, scores, typical, ranges, caveats)
    return MoodSimulator(fit_result=fit, fitted=fitted)


def _daily_frame(daily: pd.DataFrame) -> pd.DataFrame:
    """The numeric metrics on a gap-free daily index, so that a shift of one row is one day."""
    if not isinstance(daily.index, pd.DatetimeIndex):
        raise InvalidQuery("the daily frame needs a DatetimeIndex of days")
    numeric = daily.select_dtypes(include=["number", "bool"]).astype(float)
    numeric = numeric[~numeric.index.duplicated()].sort_index()
    return numeric.asfreq("D") if not numeric.empty else numeric


def _predictor_frame(frame: pd.DataFrame, predictors: list[str] | None) -> pd.DataFrame:
    """Each predictor's daily values; asked-for names must exist, defaults may be absent."""
    wanted = DEFAULT_PREDICTORS if predictors is None else tuple(dict.fromkeys(predictors))
    columns = {name: _predictor(frame, name) for name in wanted}
    unknown = [name for name, values in columns.items() if values is None]
    if predictors is not None and unknown:
        valid = [c for c in frame.columns if c not in OUTCOMES]
        raise InvalidQuery(
            f"unknown predictors {unknown}; valid: {valid}, each also as '<name>{YESTERDAY}'"
        )
    return pd.DataFrame({k: v for k, v in columns.items() if v is not None}, index=frame.index)


def _predictor(frame: pd.DataFrame, name: str) -> pd.Series | None:
    """A metric, or a metric's previous day as `<metric>_yesterday`; same-day mood is not one."""
    if name in OUTCOMES:
        return None
    if name in frame.columns:
        return frame[name]
    stem = name.removesuffix(YESTERDAY)
    if name.endswith(YESTERDAY) and stem in frame.columns:
        return frame[stem].shift(1)
    return None


def _usable_predictors(features: pd.DataFrame, caveats: list[str]) -> pd.DataFrame:
    """Drop predictors known on too few mood days or never varying; flag imputed ones."""
    coverage = features.notna().mean()
    sparse = [c for c in features.columns if coverage[c] < MIN_COVERAGE]
    flat = [c for c in features.columns if c not in sparse and features[c].nunique() < 2]
    if sparse:
        caveats.append("Left out, known on under half of the mood days: " + ", ".join(sparse) + ".")
    imputed = [c for c in features.columns if c not in sparse and coverage[c] < FULL_COVERAGE]
    if imputed:
        caveats.append(
            "Missing values filled with your median (known on under 90% of mood days): "
            + ", ".join(imputed)
            + "."
        )
    return features.drop(columns=sparse + flat)


def _weekday_frame(index: pd.DatetimeIndex) -> pd.DataFrame:
    """Dummies for Tuesday ... Sunday (Monday is the reference)."""
    day = index.day_of_week
    return pd.DataFrame(
        {name: (day == i).astype(float) for i, name in enumerate(WEEKDAY_FEATURES, start=1)},
        index=index,
    )


def _weekday_row(weekday: int) -> np.ndarray:
    row = np.zeros(len(WEEKDAY_FEATURES))
    if weekday > 0:
        row[weekday - 1] = 1.0
    return row


def _fit_outcome(
    features: pd.DataFrame, weekdays: pd.DataFrame, y: pd.Series
) -> tuple[_OutcomeModel, dict[str, float]]:
    """Time-ordered cross-validation (gaps filled with each training fold's medians), then a
    final fit on every day."""
    from sklearn.model_selection import TimeSeriesSplit

    x = pd.concat([features, weekdays], axis=1).to_numpy()
    residuals, errors = [], {"model": [], "mean": [], "weekday": []}
    for train, test in TimeSeriesSplit(n_splits=FOLDS).split(x):
        medians = _medians(x[train])
        intercept, coefficients = _ridge(_filled(x[train], medians), y.iloc[train].to_numpy())
        predicted = intercept + _filled(x[test], medians) @ coefficients
        actual = y.iloc[test]
        residuals.append(actual - predicted)
        errors["model"].append(np.abs(actual - predicted))
        errors["mean"].append(np.abs(actual - y.iloc[train].mean()))
        errors["weekday"].append(np.abs(actual - _weekday_means(y.iloc[train], actual.index)))
    intercept, coefficients = _ridge(_filled(x, _medians(x)), y.to_numpy())
    scores = {k: float(np.concatenate(v).mean()) for k, v in errors.items()}
    return _OutcomeModel(intercept, coefficients, pd.concat(residuals)), scores


def _medians(x: np.ndarray) -> np.ndarray:
    """Column medians, 0 for a column with no value yet (a metric tracked only later)."""
    return pd.DataFrame(x).median().fillna(0.0).to_numpy()


def _filled(x: np.ndarray, medians: np.ndarray) -> np.ndarray:
    """`x` with each column's gaps replaced by that column's median."""
    return np.where(np.isnan(x), medians, x)


def _ridge(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Ridge on standardised predictors (penalty by efficient leave-one-out), in raw units."""
    from sklearn.linear_model import RidgeCV

    centre, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = RidgeCV(alphas=ALPHAS).fit((x - centre) / scale, y)
    coefficients = model.coef_ / scale
    return float(model.intercept_ - centre @ coefficients), coefficients


def _weekday_means(train: pd.Series, days: pd.DatetimeIndex) -> np.ndarray:
    """The training mean of each test day's weekday (the overall mean for unseen weekdays)."""
    means = train.groupby(train.index.day_of_week).mean()
    return means.reindex(days.day_of_week).fillna(train.mean()).to_numpy()


def _score_caveats(outcome: str, scores: dict[str, float]) -> list[str]:
    """Say when the model does not beat the naive forecasts out of sample."""
    model, mean, weekday = (fmt(scores[k], 3) for k in ("model", "mean", "weekday"))
    if scores["model"] >= scores["mean"]:
        return [
            f"The model predicts your {outcome} no better than your average does (mean "
            f"absolute error {model} against {mean}); read its what-ifs as guesses."
        ]
    if scores["model"] >= scores["weekday"]:
        return [
            f"The model predicts your {outcome} no better than your weekday averages do "
            f"(mean absolute error {model} against {weekday})."
        ]
    return []


def _residual_draws(models: dict[str, _OutcomeModel], seed: int) -> np.ndarray | None:
    """Fixed-seed draws from a bivariate normal fitted to the joint out-of-sample residuals."""
    if set(models) != set(OUTCOMES):
        return None
    joint = pd.concat([models[o].residuals for o in OUTCOMES], axis=1, join="inner")
    if len(joint) < 3:
        return None
    covariance = np.cov(joint.to_numpy(), rowvar=False)
    rng = np.random.default_rng(seed)
    return rng.multivariate_normal(np.zeros(2), covariance, size=DRAWS, method="cholesky")


def _fit_result(
    n: int,
    names: tuple[str, ...],
    models: dict[str, _OutcomeModel],
    scores: dict[str, dict[str, float]],
    typical: np.ndarray,
    ranges: dict[str, tuple[float, float]],
    caveats: list[str],
) -> SimulatorFit:
    """The fit's numbers and its one-sentence summary."""
    features = [*names, *WEEKDAY_FEATURES]
    coefficients = {
        outcome: {"intercept": m.intercept}
        | dict(zip(features, map(float, m.coefficients), strict=True))
        for outcome, m in models.items()
    }
    errors: dict[str, float | None] = {}
    for outcome in OUTCOMES:
        score = scores.get(outcome, {})
        errors[f"cv_mae_{outcome}"] = score.get("model")
        errors[f"baseline_mae_{outcome}"] = score.get("mean")
        errors[f"weekday_baseline_mae_{outcome}"] = score.get("weekday")
    return SimulatorFit(
        method=(
            "Ridge regression per mood axis on the person's predictors and weekday, median "
            f"imputation; {FOLDS}-fold time-ordered cross-validation against the training mean "
            "and weekday means"
        ),
        n=n,
        predictors=list(names),
        coefficients=coefficients,
        **errors,
        typical_day=dict(zip(names, map(float, typical), strict=True)),
        observed_ranges=ranges,
        caveats=caveats,
        summary=_fit_summary(n, errors),
    )


def _fit_summary(n: int, errors: dict[str, float | None]) -> str:
    """How far off the model was on unseen days, next to guessing the person's average."""
    if errors["cv_mae_valence"] is None and errors["cv_mae_arousal"] is None:
        return f"Not enough data to model your mood yet ({n} days with a mood entry)."
    parts = [
        f"{outcome} by {fmt(errors[f'cv_mae_{outcome}'], 3)} on average against "
        f"{fmt(errors[f'baseline_mae_{outcome}'], 3)} for guessing your average"
        for outcome in OUTCOMES
        if errors[f"cv_mae_{outcome}"] is not None
    ]
    return (
        f"Tested on days it had not seen ({n} days with a mood entry in all), the mood model "
        "missed " + " and ".join(parts) + "."
    )


def _check_changes(
    predictors: tuple[str, ...], changes: dict[str, float], weekday: int | None
) -> None:
    """Reject names the model does not use and values that are not numbers."""
    unknown = [name for name in changes if name not in predictors]
    if unknown:
        raise InvalidQuery(f"unknown predictors {unknown}; this model uses: {list(predictors)}")
    for name, value in changes.items():
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise InvalidQuery(f"{name} must be a finite number, not {value!r}")
    if weekday is not None and weekday not in range(7):
        raise InvalidQuery(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday!r}")


def _linear(model: _OutcomeModel, x: np.ndarray) -> float:
    return float(model.intercept + x @ model.coefficients)


def _clip(value: float) -> float:
    """Mood axes live in [-1, 1]."""
    return float(min(1.0, max(-1.0, value)))


def _quadrant_probabilities(valence: float, arousal: float, draws: np.ndarray) -> dict[str, float]:
    """Share of the residual draws, moved to the prediction, falling in each quadrant (0 counts
    as high energy and as pleasant, as in `brain.affect.quadrant_of`)."""
    points = draws + np.array([valence, arousal])
    high, pleasant = points[:, 1] >= 0, points[:, 0] >= 0
    counts = {
        "high_energy_pleasant": high & pleasant,
        "high_energy_unpleasant": high & ~pleasant,
        "low_energy_unpleasant": ~high & ~pleasant,
        "low_energy_pleasant": ~high & pleasant,
    }
    return {q: float(counts[q].sum()) / len(points) for q in QUADRANTS}


def _described(changes: dict[str, float]) -> str:
    """`{"sleep_hours": 8, "steps": 10000}` -> "8 h of sleep and 10,000 steps"."""
    parts = [_PHRASES.get(k, k + " at {}").format(fmt(v)) for k, v in changes.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _summary(fields: dict[str, Any], weekday: int | None) -> str:
    """One sentence from the simulation's own numbers."""
    day = "an average day" if weekday is None else f"a {WEEKDAY_NAMES[weekday]}"
    lead = f"With {_described(fields['changes'])} on {day}" if fields["changes"] else f"On {day}"
    axes = [
        f"{outcome} about {fmt(fields[outcome])} ({INTERVAL}% range "
        f"{fmt(fields[f'{outcome}_range'][0])} to {fmt(fields[f'{outcome}_range'][1])}, "
        f"{_signed(fields[f'delta_{outcome}'])} against a typical day)"
        for outcome in OUTCOMES
        if fields.get(outcome) is not None
    ]
    mood = _feeling(fields)
    return f"{lead}, {mood}: " + " and ".join(axes) + "."


def _feeling(fields: dict[str, Any]) -> str:
    """Pleasant, unpleasant or either way, from the quadrant odds (two to one or better)."""
    probabilities = fields.get("quadrant_probabilities")
    if probabilities is None:
        return "your mood would be"
    pleasant = probabilities["high_energy_pleasant"] + probabilities["low_energy_pleasant"]
    if pleasant >= LIKELY:
        return "your mood would likely be pleasant"
    if pleasant <= 1 - LIKELY:
        return "your mood would likely be unpleasant"
    return "your mood could go either way"


def _signed(value: float) -> str:
    text = fmt(value)
    return text if text.startswith("-") or text == "0" else f"+{text}"
