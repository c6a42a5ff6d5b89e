"""Weekday profile: how likely each circumplex quadrant is on each weekday.

Raw frequencies overstate what a handful of Mondays say, so each weekday's quadrant shares
are a Dirichlet-multinomial posterior: a symmetric Dirichlet prior (PRIOR pseudo-check-ins
per quadrant, stated in the result) updated with that weekday's check-ins. Each share comes
with an equal-tailed credible interval from its Beta marginal.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy import stats

from brain.affect import QUADRANTS, Quadrant
from brain.analytics.result import INSUFFICIENT, AnalysisResult, fmt

PRIOR = 1.0
CREDIBLE = 0.95
MIN_CHECKINS = 20
FEW_PER_WEEKDAY = 10


class QuadrantShare(BaseModel):
    quadrant: Quadrant
    probability: float  # posterior mean
    low: float
    high: float
    count: int


class WeekdayQuadrants(BaseModel):
    weekday: str
    n: int
    shares: list[QuadrantShare]


class WeekdayProfile(AnalysisResult):
    prior: float
    credible: float
    overall: list[QuadrantShare]
    weekdays: list[WeekdayQuadrants]
    standout_weekday: str | None = None
    standout_quadrant: Quadrant | None = None


def _posterior(counts: np.ndarray, prior: float, credible: float) -> list[QuadrantShare]:
    alpha = counts + prior
    total = alpha.sum()
    tail = (1 - credible) / 2
    return [
        QuadrantShare(
            quadrant=quadrant,
            probability=float(a / total),
            low=float(stats.beta.ppf(tail, a, total - a)),
            high=float(stats.beta.ppf(1 - tail, a, total - a)),
            count=int(c),
        )
        for quadrant, a, c in zip(QUADRANTS, alpha, counts, strict=True)
    ]


def _counts(quadrants: pd.Series) -> np.ndarray:
    return np.array([(quadrants == q).sum() for q in QUADRANTS], dtype=float)


def weekday_profile(
    checkins: pd.DataFrame, *, prior: float = PRIOR, credible: float = CREDIBLE
) -> WeekdayProfile:
    """Posterior quadrant shares per weekday from check-ins with a `quadrant` column."""
    placed = checkins[checkins["quadrant"].notna()]
    method = (
        f"Dirichlet-multinomial posterior, symmetric prior {fmt(prior)} per quadrant, "
        f"{round(credible * 100)}% credible intervals"
    )
    overall = _posterior(_counts(placed["quadrant"]), prior, credible)
    if len(placed) < MIN_CHECKINS:
        return WeekdayProfile(
            prior=prior,
            credible=credible,
            overall=overall,
            weekdays=[],
            n=len(placed),
            method=method,
            caveats=[
                f"{INSUFFICIENT}: {len(placed)} check-ins with a quadrant; "
                f"at least {MIN_CHECKINS} are needed"
            ],
            summary=f"There are too few check-ins ({len(placed)}) for a weekday profile yet.",
        )
    weekday_of = pd.to_datetime(placed["day"]).dt.day_of_week
    weekdays, caveats = [], []
    best: tuple[float, str, QuadrantShare, QuadrantShare] | None = None
    for number, name in enumerate(calendar.day_name):
        on_day = placed["quadrant"][weekday_of == number]
        shares = _posterior(_counts(on_day), prior, credible)
        weekdays.append(WeekdayQuadrants(weekday=name, n=len(on_day), shares=shares))
        if len(on_day) < FEW_PER_WEEKDAY:
            caveats.append(f"Only {len(on_day)} check-ins on {name}s: wide intervals")
        for share, base in zip(shares, overall, strict=True):
            lift = share.probability - base.probability
            if share.low > base.probability and (best is None or lift > best[0]):
                best = (lift, name, share, base)
    if best is None:
        summary = (
            "No weekday stands out: every weekday's quadrant shares are within the "
            f"credible range of your overall mix ({len(placed)} check-ins)."
        )
        return WeekdayProfile(
            prior=prior,
            credible=credible,
            overall=overall,
            weekdays=weekdays,
            n=len(placed),
            method=method,
            caveats=caveats,
            summary=summary,
        )
    _, name, share, base = best
    label = share.quadrant.replace("_", " ").replace("energy ", "energy, ")
    n_day = next(w.n for w in weekdays if w.weekday == name)
    summary = (
        f"{name}s stand out: {fmt(share.probability * 100, 0)}% of your {name} check-ins are "
        f"{label} ({round(credible * 100)}% credible interval {fmt(share.low * 100, 0)}% to "
        f"{fmt(share.high * 100, 0)}%, {n_day} check-ins), against "
        f"{fmt(base.probability * 100, 0)}% overall."
    )
    return WeekdayProfile(
        prior=prior,
        credible=credible,
        overall=overall,
        weekdays=weekdays,
        n=len(placed),
        standout_weekday=name,
        standout_quadrant=share.quadrant,
        method=method,
        caveats=caveats,
        summary=summary,
    )
