"""Granger causality: does the past of one metric help predict another beyond its own past?

For each lag k the effect is regressed on its own last k days, with and without the cause's
last k days, and an F-test on the drop in squared error (statsmodels' "ssr F-test") gives the
p-value. The lag reported is the one that minimises the AIC of a two-variable VAR over 1..k
(Lütkepohl's criterion, as statsmodels' `VAR.select_order`, fitted on a common sample).

Choices, and why:
- Missing days: gaps of up to 2 days are interpolated; longer gaps stay missing and each
  regression uses only complete rows (the day and every lag it needs observed), so a gap costs
  the days it touches instead of everything before it.
- Stationarity: a series whose ADF test does not reject a unit root (p > 0.05) is
  differenced once, since trending series "predict" each other spuriously.
- Weekday: two metrics that share the week's rhythm (Friday drinks, Saturday moods) precede
  each other through the calendar alone, so every regression holds weekday dummies unless
  `weekday_adjusted=False` (which reproduces statsmodels' plain test).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from brain.analytics.result import INSUFFICIENT, P_FLOOR, AnalysisResult, fmt, p_text
from brain.analytics.series import fill_short_gaps, metric_series
from brain.errors import InvalidQuery

ALPHA = 0.05
MIN_DAYS = 60
DAYS_PER_LAG = 10
MAX_LAG = 28
MAX_GAP = 2


class GrangerLag(BaseModel):
    """The F-test at one lag: does the cause's last `lag` days add predictive power?"""

    model_config = ConfigDict(frozen=True)

    lag: int
    n: int
    f_stat: float | None  # None when the larger model fits perfectly (F is infinite)
    p_value: float


class GrangerResult(AnalysisResult):
    cause: str
    effect: str
    max_lag: int
    alpha: float = ALPHA
    weekday_adjusted: bool
    min_days: int
    filled_days: int = 0
    differenced: list[str] = Field(default_factory=list)
    adf_p_values: dict[str, float] = Field(default_factory=dict)
    selected_lag: int | None = None
    best_lag: int | None = None
    p_value: float | None = None
    significant: bool | None = None
    lags: list[GrangerLag] = Field(default_factory=list)


def granger(
    daily: pd.DataFrame,
    cause: str,
    effect: str,
    *,
    max_lag: int = 7,
    weekday_adjusted: bool = True,
) -> GrangerResult:
    """Whether `cause`'s past helps predict `effect` (Granger), at the AIC-selected lag."""
    if not 1 <= max_lag <= MAX_LAG:
        raise InvalidQuery(f"max_lag must be between 1 and {MAX_LAG}, not {max_lag}")
    if cause == effect:
        raise InvalidQuery("Granger causality needs two different metrics")
    raw = {name: metric_series(daily, name) for name in (effect, cause)}
    series = {name: fill_short_gaps(values, MAX_GAP) for name, values in raw.items()}
    min_days = max(MIN_DAYS, DAYS_PER_LAG * max_lag)
    base = {
        "cause": cause,
        "effect": effect,
        "max_lag": max_lag,
        "weekday_adjusted": weekday_adjusted,
        "min_days": min_days,
        "filled_days": sum(int(series[k].notna().sum() - raw[k].notna().sum()) for k in raw),
        "method": _method(max_lag, weekday_adjusted),
    }
    both = int((series[effect].notna() & series[cause].notna()).sum())
    if both < min_days:
        return _too_few(base, both, "days with both metrics")
    for name, values in series.items():
        if values.dropna().nunique() == 1:
            return _constant(base, name, int(values.notna().sum()))
    adf = {name: _adf_p_value(values) for name, values in series.items()}
    differenced = [name for name in (effect, cause) if adf[name] > ALPHA]
    for name in differenced:
        series[name] = series[name].diff()
    y, x = (series[name].to_numpy(dtype=float) for name in (effect, cause))
    weekday = np.asarray(series[effect].index.day_of_week)
    common = _complete_rows(y, x, max_lag, both_targets=True)
    if common.size < min_days:
        return _too_few(base, int(common.size), "days complete with their lags")
    fixed = _fixed_regressors(weekday, weekday_adjusted)
    lags = [_lag_test(y, x, fixed, lag) for lag in range(1, max_lag + 1)]
    selected = _select_lag(y, x, fixed, common, max_lag)
    chosen = lags[selected - 1]
    result = GrangerResult(
        **base,
        n=chosen.n,
        differenced=differenced,
        adf_p_values=adf,
        selected_lag=selected,
        best_lag=min(lags, key=lambda t: (t.p_value, t.lag)).lag,
        p_value=chosen.p_value,
        significant=chosen.p_value < ALPHA,
        lags=lags,
        caveats=_caveats(cause, effect, adf, differenced, base["filled_days"]),
        summary="",
    )
    return result.model_copy(update={"summary": _summary(result)})


def _method(max_lag: int, weekday_adjusted: bool) -> str:
    weekday = ", weekday dummies" if weekday_adjusted else ""
    return (
        "Granger causality: OLS of the effect on a constant"
        f"{weekday} and its own lags 1..k, with and without the cause's lags 1..k, ssr F-test; "
        f"k chosen by the AIC of a two-variable VAR over 1..{max_lag}; significant when "
        f"p < {ALPHA}, no correction across lags; gaps up to {MAX_GAP} days interpolated, "
        f"complete rows only; p below {P_FLOOR} printed as < {P_FLOOR}"
    )


def _too_few(base: dict[str, Any], days: int, what: str) -> GrangerResult:
    return GrangerResult(
        **base,
        n=days,
        caveats=[
            f"{INSUFFICIENT}: {days} {what}, {base['min_days']} needed.",
            _precedence_caveat(base["cause"], base["effect"]),
        ],
        summary=(
            f"Not enough data to test whether {base['cause']} helps predict {base['effect']}: "
            f"{days} {what}, {base['min_days']} needed."
        ),
    )


def _constant(base: dict[str, Any], name: str, days: int) -> GrangerResult:
    return GrangerResult(
        **base,
        n=days,
        caveats=[
            f"{INSUFFICIENT}: {name} never changed, so there is nothing to test.",
            _precedence_caveat(base["cause"], base["effect"]),
        ],
        summary=(
            f"Cannot test whether {base['cause']} helps predict {base['effect']}: {name} had the "
            f"same value on all {days} days."
        ),
    )


ADF_MAX_LAG = 14  # two weeks of daily autocorrelation; the default (~21) costs a third more


def _adf_p_value(series: pd.Series) -> float:
    """ADF p-value (constant, lags 0..ADF_MAX_LAG by AIC) on the days with data, in order."""
    from statsmodels.tsa.stattools import adfuller

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' small-sample notes, not our concern
        test = adfuller(
            series.dropna().to_numpy(), maxlag=ADF_MAX_LAG, autolag="AIC", result_object=True
        )
    return float(test.pvalue)


def _complete_rows(y: np.ndarray, x: np.ndarray, lag: int, *, both_targets: bool) -> np.ndarray:
    """Days (positions) whose target and every lag 1..`lag` of both series are observed."""
    rows = np.arange(lag, len(y))
    keep = np.isfinite(y[rows]) & (np.isfinite(x[rows]) if both_targets else True)
    for k in range(1, lag + 1):
        keep &= np.isfinite(y[rows - k]) & np.isfinite(x[rows - k])
    return rows[keep]


def _fixed_regressors(weekday: np.ndarray, weekday_adjusted: bool) -> np.ndarray:
    """A constant, plus Tuesday..Sunday dummies when adjusting for the weekday."""
    columns = [np.ones(weekday.size)]
    if weekday_adjusted:
        columns += [(weekday == day).astype(float) for day in range(1, 7)]
    return np.column_stack(columns)


def _lags(values: np.ndarray, rows: np.ndarray, lag: int) -> np.ndarray:
    return np.column_stack([values[rows - k] for k in range(1, lag + 1)])


def _ssr(target: np.ndarray, regressors: np.ndarray) -> tuple[float, int]:
    """Residual sum of squares and rank of a least-squares fit."""
    coef, _, rank, _ = np.linalg.lstsq(regressors, target, rcond=None)
    residual = target - regressors @ coef
    return float(residual @ residual), int(rank)


def _lag_test(y: np.ndarray, x: np.ndarray, fixed: np.ndarray, lag: int) -> GrangerLag:
    """The ssr F-test of the cause's lags 1..`lag` on the complete rows for that lag."""
    rows = _complete_rows(y, x, lag, both_targets=False)
    restricted = np.column_stack([fixed[rows], _lags(y, rows, lag)])
    full = np.column_stack([restricted, _lags(x, rows, lag)])
    ssr_restricted, rank_restricted = _ssr(y[rows], restricted)
    ssr_full, rank_full = _ssr(y[rows], full)
    df_num, df_den = rank_full - rank_restricted, rows.size - rank_full
    drop = max(ssr_restricted - ssr_full, 0.0)
    if df_num == 0 or drop == 0:
        return GrangerLag(lag=lag, n=rows.size, f_stat=0.0, p_value=1.0)
    if ssr_full <= 1e-12 * ssr_restricted:
        return GrangerLag(lag=lag, n=rows.size, f_stat=None, p_value=0.0)
    f_stat = drop / df_num / (ssr_full / df_den)
    return GrangerLag(
        lag=lag, n=rows.size, f_stat=f_stat, p_value=float(stats.f.sf(f_stat, df_num, df_den))
    )


def _select_lag(
    y: np.ndarray, x: np.ndarray, fixed: np.ndarray, rows: np.ndarray, max_lag: int
) -> int:
    """The lag 1..`max_lag` minimising a VAR's AIC, log|Σ| + 2·k·4/T, on the same rows."""
    targets = np.column_stack([y[rows], x[rows]])
    aic = []
    for lag in range(1, max_lag + 1):
        regressors = np.column_stack([fixed[rows], _lags(y, rows, lag), _lags(x, rows, lag)])
        coef, *_ = np.linalg.lstsq(regressors, targets, rcond=None)
        residual = targets - regressors @ coef
        sign, logdet = np.linalg.slogdet(residual.T @ residual / rows.size)
        aic.append((logdet if sign > 0 else -math.inf) + 2 * lag * 4 / rows.size)
    return int(np.argmin(aic)) + 1


def _precedence_caveat(cause: str, effect: str) -> str:
    return (
        "Granger causality is predictive precedence, not causation: "
        f"{cause} coming before {effect} can also come from a shared cause."
    )


def _caveats(
    cause: str, effect: str, adf: dict[str, float], differenced: list[str], filled: int
) -> list[str]:
    caveats = [_precedence_caveat(cause, effect)]
    caveats += [
        f"{name} was not stationary (ADF p = {fmt(adf[name], 3)}), so its day-to-day changes "
        "were used."
        for name in differenced
    ]
    if filled:
        caveats.append(
            f"{filled} missing days across the two metrics (gaps of up to {MAX_GAP} days) were "
            "interpolated."
        )
    return caveats


def _summary(result: GrangerResult) -> str:
    def label(name: str) -> str:
        return f"day-to-day changes in {name}" if name in result.differenced else name

    cause, effect = label(result.cause), label(result.effect)
    weekday = " and the weekday" if result.weekday_adjusted else ""
    beyond = f"beyond {result.effect}'s own past{weekday}"
    lag = result.selected_lag
    test = f"{p_text(result.p_value)} at lag {lag}, chosen by AIC; {result.n} days"
    if not result.significant:
        return (
            f"{cause} did not help predict {effect} {beyond} ({test}; alpha {fmt(result.alpha)}); "
            "no predictive precedence was found, which does not rule out an effect."
        )
    source = f"Yesterday's {cause}" if lag == 1 else f"{cause} over the previous {lag} days"
    return (
        f"{source} helps predict today's {effect} {beyond} ({test}); this is predictive "
        "precedence, not proof of cause."
    )
