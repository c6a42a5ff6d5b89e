"""Correlations with lags: does yesterday's X go with today's Y?

`correlate` looks at one pair in depth (Pearson and Spearman, p-values, lags 0..k);
`correlation_scan` tests every pair of metrics at every lag at once, vectorised, and
controls the false discovery rate with Benjamini-Hochberg. Both apply a minimum-data rule
and report it rather than a weak number: at least MIN_DAYS paired days, and for a yes/no
metric at least MIN_DAYS_PER_SIDE days with and without it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy import stats

from brain.analytics.result import INSUFFICIENT, AnalysisResult, fmt
from brain.analytics.series import require_metric
from brain.errors import InvalidQuery

MIN_DAYS = 30
MIN_DAYS_PER_SIDE = 10
ALPHA = 0.05
MAX_LAG = 7

_PHRASES = {
    "sleep_hours": "you sleep more",
    "steps": "you walk more",
    "exercise_minutes": "you exercise more",
    "alcohol_drinks": "you drink more alcohol",
    "caffeine_mg": "you have more caffeine",
    "mindful_minutes": "you meditate more",
    "music_minutes": "you listen to more music",
    "hours_at_work": "you work longer",
}
_OUTCOMES = {
    "valence": ("more pleasant", "less pleasant"),
    "arousal": ("more energetic", "less energetic"),
}


class LagCorrelation(BaseModel):
    lag: int  # days X comes before Y
    n: int
    pearson_r: float | None = None
    pearson_p: float | None = None
    spearman_rho: float | None = None
    spearman_p: float | None = None
    enough_data: bool = True


class Correlation(AnalysisResult):
    x: str
    y: str
    lags: list[LagCorrelation]
    best_lag: int | None = None  # the lag with the strongest significant Pearson r
    r: float | None = None
    p: float | None = None


class ScanPair(BaseModel):
    x: str
    y: str
    lag: int
    r: float
    p: float
    q: float  # Benjamini-Hochberg adjusted p-value
    n: int


class CorrelationScan(AnalysisResult):
    max_lag: int
    tested: int
    significant: int
    skipped_for_too_little_data: int
    alpha: float
    top: list[ScanPair]


def is_binary(series: pd.Series) -> bool:
    values = series.dropna().unique()
    return len(values) > 0 and set(values) <= {0.0, 1.0}


def _enough(x: pd.Series, n: int) -> bool:
    if n < MIN_DAYS:
        return False
    if is_binary(x):
        ones = int(x.sum())
        return ones >= MIN_DAYS_PER_SIDE and len(x) - ones >= MIN_DAYS_PER_SIDE
    return True


def _lag_result(x: pd.Series, y: pd.Series, lag: int) -> LagCorrelation:
    pair = pd.concat([x.shift(lag), y], axis=1).dropna()
    a, b = pair.iloc[:, 0], pair.iloc[:, 1]
    n = len(pair)
    if not _enough(a, n) or not _enough(b, n) or a.nunique() < 2 or b.nunique() < 2:
        return LagCorrelation(lag=lag, n=n, enough_data=False)
    pearson = stats.pearsonr(a, b)
    spearman = stats.spearmanr(a, b)
    return LagCorrelation(
        lag=lag,
        n=n,
        pearson_r=float(pearson.statistic),
        pearson_p=float(pearson.pvalue),
        spearman_rho=float(spearman.statistic),
        spearman_p=float(spearman.pvalue),
    )


def strength(r: float) -> str:
    size = abs(r)
    return "strong" if size >= 0.5 else "moderate" if size >= 0.3 else "weak"


def describe(x: str, y: str, lag: int, r: float, n: int) -> str:
    """An Exist.io-style sentence: "On days after you sleep more, your mood tends to be
    more pleasant (r = 0.41, 212 days)"."""
    cause = _PHRASES.get(x, f"your {x.replace('_', ' ')} is higher")
    higher, lower = _OUTCOMES.get(y, ("higher", "lower"))
    when = (
        "On days when"
        if lag == 0
        else "On days after"
        if lag == 1
        else f"{lag} days after days when"
    )
    subject = "your mood" if y in _OUTCOMES else f"your {y.replace('_', ' ')}"
    return (
        f"{when} {cause}, {subject} tends to be {higher if r > 0 else lower} "
        f"({strength(r)}, r = {fmt(r)}, {n} days)"
    )


def correlate(daily: pd.DataFrame, x: str, y: str, *, max_lag: int = 1) -> Correlation:
    """Pearson and Spearman correlation of `x` (lagged 0..max_lag days) with `y`."""
    if not 0 <= max_lag <= MAX_LAG:
        raise InvalidQuery(f"max_lag must be between 0 and {MAX_LAG}, not {max_lag}")
    xs, ys = require_metric(daily, x), require_metric(daily, y)
    lags = [_lag_result(xs, ys, lag) for lag in range(max_lag + 1)]
    usable = [lag for lag in lags if lag.enough_data]
    method = "Pearson and Spearman correlation with lags"
    if not usable:
        most = max((lag.n for lag in lags), default=0)
        return Correlation(
            x=x,
            y=y,
            lags=lags,
            n=most,
            method=method,
            caveats=[
                f"{INSUFFICIENT}: {x} and {y} share {most} days; at least {MIN_DAYS} "
                f"are needed (and {MIN_DAYS_PER_SIDE} on each side of a yes/no factor)"
            ],
            summary=f"There is not enough data to relate {x} and {y} yet ({most} shared days).",
        )
    significant = [lag for lag in usable if lag.pearson_p is not None and lag.pearson_p < ALPHA]
    best = max(significant or usable, key=lambda lag: abs(lag.pearson_r or 0.0))
    caveats = ["Correlation is not causation."]
    if not significant:
        summary = (
            f"There is no clear link between {x} and {y} "
            f"(strongest r = {fmt(best.pearson_r)} at lag {best.lag}, {best.n} days)."
        )
        caveats.append(f"No lag reaches p < {ALPHA}.")
    else:
        summary = describe(x, y, best.lag, best.pearson_r, best.n) + "."
    return Correlation(
        x=x,
        y=y,
        lags=lags,
        best_lag=best.lag if significant else None,
        r=best.pearson_r,
        p=best.pearson_p,
        n=best.n,
        method=method,
        caveats=caveats,
        summary=summary,
    )


def _pairwise_pearson(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r and n of every column of `a` with every column of `b`, on the days both
    have data (NaN-aware, as matrix products)."""
    ma, mb = ~np.isnan(a), ~np.isnan(b)
    a0 = np.where(ma, a - np.nanmean(a, axis=0), 0.0)
    b0 = np.where(mb, b - np.nanmean(b, axis=0), 0.0)
    fa, fb = ma.astype(float), mb.astype(float)
    n = fa.T @ fb
    sa, sb = a0.T @ fb, fa.T @ b0
    saa, sbb = (a0**2).T @ fb, fa.T @ (b0**2)
    sab = a0.T @ b0
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (n * sab - sa * sb) / np.sqrt((n * saa - sa**2) * (n * sbb - sb**2))
    return np.clip(r, -1.0, 1.0), n


def _p_values(r: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        t = r * np.sqrt((n - 2) / (1 - r**2))
    return 2 * stats.t.sf(np.abs(t), n - 2)


def correlation_scan(
    daily: pd.DataFrame, metrics: list[str] | None = None, *, max_lag: int = 2, top: int = 10
) -> CorrelationScan:
    """Every pair of metrics at lags 0..max_lag, with Benjamini-Hochberg correction."""
    columns = [m for m in (metrics or list(daily.columns)) if daily[m].nunique() > 1]
    values = daily[columns].to_numpy(dtype=float)
    binary = np.array([is_binary(daily[m]) for m in columns])
    found: list[tuple[str, str, int, float, float, int]] = []
    skipped = 0
    for lag in range(max_lag + 1):
        shifted = np.vstack([np.full((lag, len(columns)), np.nan), values[: len(values) - lag]])
        r, n = _pairwise_pearson(shifted, values)
        p = _p_values(r, n)
        for i, x in enumerate(columns):
            for j, y in enumerate(columns):
                if i == j or (lag == 0 and j < i):
                    continue
                ok = (
                    n[i, j] >= MIN_DAYS
                    and np.isfinite(r[i, j])
                    and not (
                        (binary[i] or binary[j])
                        and not _binary_sides_ok(shifted[:, i], values[:, j])
                    )
                )
                if not ok:
                    skipped += 1
                    continue
                found.append((x, y, lag, float(r[i, j]), float(p[i, j]), int(n[i, j])))
    q = stats.false_discovery_control([f[4] for f in found]) if found else np.array([])
    pairs = [
        ScanPair(x=x, y=y, lag=lag, r=r_, p=p_, q=float(q_), n=n_)
        for (x, y, lag, r_, p_, n_), q_ in zip(found, q, strict=True)
        if q_ < ALPHA
    ]
    pairs.sort(key=lambda pair: (-abs(pair.r), pair.lag, pair.x, pair.y))
    significant = len(pairs)
    summary = (
        f"Of {len(found)} metric pairs and lags tested, {significant} are significant "
        f"after correcting for multiple comparisons (Benjamini-Hochberg, q < {ALPHA})"
    )
    if pairs:
        best = pairs[0]
        summary += "; the strongest: " + describe(best.x, best.y, best.lag, best.r, best.n)
    caveats = [] if found else [f"{INSUFFICIENT}: no pair has {MIN_DAYS} shared days"]
    return CorrelationScan(
        max_lag=max_lag,
        tested=len(found),
        significant=significant,
        skipped_for_too_little_data=skipped,
        alpha=ALPHA,
        top=pairs[:top],
        n=int(daily.notna().any(axis=1).sum()),
        method="pairwise Pearson correlation with lags, Benjamini-Hochberg false discovery rate",
        caveats=caveats,
        summary=summary + ".",
    )


def _binary_sides_ok(a: np.ndarray, b: np.ndarray) -> bool:
    both = ~np.isnan(a) & ~np.isnan(b)
    return all(
        not set(np.unique(v[both])) <= {0.0, 1.0}
        or (MIN_DAYS_PER_SIDE <= v[both].sum() <= both.sum() - MIN_DAYS_PER_SIDE)
        for v in (a, b)
    )
