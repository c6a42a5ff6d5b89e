"""Chronotype from sleep episodes, the Munich ChronoType Questionnaire's way (MCTQ).

Mid-sleep on free days (MSF), corrected for the sleep debt people pay back on free days:
    SDweek = (WD * SDw + (7 - WD) * SDf) / 7
    MSFsc  = MSF - (SDf - SDweek) / 2      when SDf > SDw, else MSF
and social jetlag |MSF - MSW|. Clock times are hours after midnight and all arithmetic on
them is circular, so a mid-sleep at 23:30 and one at 00:30 average to midnight, not noon.

A night belongs to the morning it ends on. By default a night is a free night when that
morning is a Saturday or Sunday ("weekends"); "late_wakeups" instead calls a night free
when its wake-up is later than the person's usual weekday wake-up by more than 45 minutes,
which finds free days in shift work or holidays from the data themselves.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from brain.analytics.result import INSUFFICIENT, AnalysisResult, fmt

FreeDayRule = Literal["weekends", "late_wakeups"]
MIN_NIGHTS = 14
MIN_WORK_NIGHTS = 4
MIN_FREE_NIGHTS = 2
LATE_WAKEUP_MARGIN_H = 0.75
# MSFsc (local clock) upper bounds of each category; stated in every result
CATEGORIES: tuple[tuple[float, str], ...] = (
    (2.0, "extremely early"),
    (3.0, "moderately early"),
    (4.0, "slightly early"),
    (5.0, "intermediate"),
    (6.0, "slightly late"),
    (7.0, "moderately late"),
    (math.inf, "extremely late"),
)


def clock(hours: float) -> float:
    """Hours on a 24-hour clock face, in [0, 24)."""
    return hours % 24.0


def clock_difference(a: float, b: float) -> float:
    """a - b the short way round the clock, in (-12, 12]."""
    difference = (a - b) % 24.0
    return difference - 24.0 if difference > 12.0 else difference


def circular_mean(hours: np.ndarray | list[float]) -> float:
    """The mean clock time, in [0, 24)."""
    angles = np.asarray(hours, dtype=float) / 24.0 * 2 * math.pi
    mean = math.atan2(np.sin(angles).mean(), np.cos(angles).mean())
    return clock(mean / (2 * math.pi) * 24.0)


def hhmm(hours: float) -> str:
    minutes = round(clock(hours) * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def msf_sc(msf: float, sd_work: float, sd_free: float, workdays: int = 5) -> tuple[float, float]:
    """(MSFsc, SDweek) from MSF and the mean sleep durations on work and free days."""
    sd_week = (workdays * sd_work + (7 - workdays) * sd_free) / 7
    corrected = msf - (sd_free - sd_week) / 2 if sd_free > sd_work else msf
    return clock(corrected), sd_week


def category(msf_sc_hours: float) -> str:
    signed = msf_sc_hours - 24.0 if msf_sc_hours > 12.0 else msf_sc_hours  # 23:30 is early
    return next(name for bound, name in CATEGORIES if signed < bound)


class Chronotype(AnalysisResult):
    free_day_rule: FreeDayRule
    workdays_per_week: int
    work_nights: int
    free_nights: int
    msw: float | None = None
    msf: float | None = None
    sd_work: float | None = None
    sd_free: float | None = None
    sd_week: float | None = None
    msf_sc: float | None = None
    msf_sc_clock: str | None = None
    social_jetlag: float | None = None
    category: str | None = None
    category_cut_offs: dict[str, str]


def free_nights(sleep: pd.DataFrame, rule: FreeDayRule) -> pd.Series:
    """True for the nights before a free day under `rule`."""
    weekday = pd.to_datetime(sleep["night"]).dt.day_of_week
    weekend = weekday >= 5
    if rule == "weekends":
        return weekend
    usual = circular_mean(sleep["wake"][~weekend]) if (~weekend).any() else 7.0
    late = sleep["wake"].map(lambda w: clock_difference(w, usual) > LATE_WAKEUP_MARGIN_H)
    return late.astype(bool)


def chronotype(
    sleep: pd.DataFrame, *, free_day_rule: FreeDayRule = "weekends", workdays: int = 5
) -> Chronotype:
    """MCTQ chronotype from main sleep episodes (columns night, onset, wake, duration)."""
    cut_offs = {
        name: f"MSFsc before {hhmm(bound)}" if math.isfinite(bound) else "MSFsc from 07:00"
        for bound, name in CATEGORIES
    }
    nights = sleep.dropna(subset=["onset", "wake", "duration"])
    nights = nights[nights["duration"] > 0]
    free = free_nights(nights, free_day_rule) if len(nights) else pd.Series(dtype=bool)
    n_free, n_work = int(free.sum()), int((~free).sum())
    common = {
        "free_day_rule": free_day_rule,
        "workdays_per_week": workdays,
        "work_nights": n_work,
        "free_nights": n_free,
        "n": len(nights),
        "category_cut_offs": cut_offs,
        "method": "MCTQ: sleep-corrected mid-sleep on free days (MSFsc), circular clock means",
    }
    if len(nights) < MIN_NIGHTS or n_work < MIN_WORK_NIGHTS or n_free < MIN_FREE_NIGHTS:
        return Chronotype(
            **common,
            caveats=[
                f"{INSUFFICIENT}: {len(nights)} nights ({n_work} before work days, "
                f"{n_free} before free days); at least {MIN_NIGHTS} nights with "
                f"{MIN_WORK_NIGHTS} and {MIN_FREE_NIGHTS} of each are needed"
            ],
            summary=f"There are too few nights of sleep data ({len(nights)}) for a chronotype.",
        )
    mid = (nights["onset"] + nights["duration"] / 2).to_numpy()
    msw, msf = circular_mean(mid[~free.to_numpy()]), circular_mean(mid[free.to_numpy()])
    sd_work = float(nights["duration"][~free].mean())
    sd_free = float(nights["duration"][free].mean())
    corrected, sd_week = msf_sc(msf, sd_work, sd_free, workdays)
    jetlag = abs(clock_difference(msf, msw))
    kind = category(corrected)
    caveats = (
        []
        if sd_free > sd_work
        else ["You sleep no longer on free days than on work days, so MSF needs no correction"]
    )
    summary = (
        f"Your chronotype is {kind}: your mid-sleep on free days, corrected for sleep debt, "
        f"is {hhmm(corrected)} (MSFsc {fmt(corrected)} h), with {fmt(jetlag)} h of social "
        f"jetlag ({n_work} work nights, {n_free} free nights)."
    )
    return Chronotype(
        **common,
        msw=msw,
        msf=msf,
        sd_work=sd_work,
        sd_free=sd_free,
        sd_week=sd_week,
        msf_sc=corrected,
        msf_sc_clock=hhmm(corrected),
        social_jetlag=jetlag,
        category=kind,
        caveats=caveats,
        summary=summary,
    )
