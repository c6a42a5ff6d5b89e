"""Alex's two years as a structural causal model: the known ground truth behind the demo data.

Analytics (lagged correlations, weekday priors, Granger, DoWhy, MCTQ chronotype) are only
testable against effects that are known in advance, so the demo life-log is sampled from this
model and `TRUE_EFFECTS` states what a correct analysis must recover. Day t has weekday w_t
(Monday = 0); "the night of t" is the sleep episode that ends on the morning of t. Clock times
are local (Europe/Berlin, so DST changes happen) in hours from the midnight that starts t.

    F_t  = 1[w_t ∈ {Sat, Sun}]                           free day (vacation weeks are not)
    D_t  ~ Poisson(λ[w_t])                               alcoholic drinks, higher Fri/Sat
    on_t ~ N(μ_on[F_t], σ_on[F_t]),  up_t ~ N(μ_up[F_t], σ_up[F_t])      sleep onset, wake
    W_t  = Gamma(k, θ) + 18 min · D_{t−1}                 minutes awake during the night
    S_t  = (up_t − on_t) − W_t                           hours asleep (elapsed, so DST-aware)
    C_t  = Σ_{cups} mg,  cups ~ Poisson(c0 + c1 (7.5 − S_t))     caffeine follows short sleep
    E_t  = B_t · N(μ_E, σ_E),  B_t ~ Bernoulli(p_E[F_t])          exercise minutes (gym/bike:
                                                                  no steps, so no confounding)
    M_t  = B'_t · U{5..20},  B'_t ~ Bernoulli(0.3)                mindful minutes
    N_t  = n0 + n_S (S_t − 7.5) + n_F F_t + ε_N                   steps
    V_t  = v0 + v_S (S_t − 7.5) + v_F F_t + β (N_t − 8000) + v_E E_t/60
           + v_D D_{t−1} + v_w[w_t] + ε_V                         latent valence
    A_t  = a0 + a_C (C_t − 200) + a_N (N_t − 8000) + a_S (S_t − 7.5)
           + a_M 1[M_t > 0] + a_w[w_t] + ε_A                      latent arousal
    RHR_t = r0 + r_E Σ_{s=t−7}^{t−1} E_s/60 + ε_R                 resting heart rate
    HRV_t = h0 + h_D D_{t−1} + h_S (S_t − 7.5) + ε_H              SDNN, ms

Sleep and free days confound steps → valence; adjusting for S_t and F_t identifies β, while
the naive regression of valence on steps overstates it about threefold. Each of 0–3 daily
check-ins reports the point (V_t, A_t) + N(0, 0.2²) as its nearest lexicon word, so the
evaluable daily `valence`/`arousal` are the means of the chosen words' coordinates. Music skips
rise with A_t; late onsets come with late-night listening. Every measured daily column is
computed from the very events the exporters write, so importers can reproduce it exactly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from brain.affect import nearest_emotion
from brain.demo.journal import INJECTIONS, NoteContext, Social, write_note, write_reflection

TZ = ZoneInfo("Europe/Berlin")

SLEEP_REF_H = 7.5
STEPS_REF = 8000
CAFFEINE_REF_MG = 200

_LEAD_DAYS = 7  # simulated before the first reported day so that lags and weekly sums are warm
_DAY = 86_400
_EVENING_CHECKIN_END_S = 22 * 3600 + 30 * 60


@dataclass(frozen=True, slots=True)
class DemoParams:
    """Coefficients of the model in the module docstring; weekday tuples start on Monday.

    Clock times are hours from local midnight of the day the night ends (−0.75 = 23:15 the
    evening before). Valence and arousal live on the circumplex scale [-1, 1].
    """

    work_onset_h: float = -0.75
    work_onset_sd_h: float = 25 / 60
    work_wake_h: float = 6.75
    work_wake_sd_h: float = 10 / 60
    free_onset_h: float = 0.75
    free_onset_sd_h: float = 40 / 60
    free_wake_h: float = 9.25
    free_wake_sd_h: float = 40 / 60
    awake_shape: float = 2.0
    awake_scale_min: float = 14.0
    awake_min_per_drink: float = 18.0
    drinks_rate: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 1.8, 2.0, 0.4)
    cups_base: float = 2.2
    cups_per_lost_sleep_h: float = 0.9
    cup_mg: tuple[int, ...] = (65, 95, 95, 120)
    exercise_prob_work: float = 0.35
    exercise_prob_free: float = 0.55
    exercise_mean_min: float = 45.0
    exercise_sd_min: float = 12.0
    mindful_prob: float = 0.3
    steps_base: float = 8000.0
    steps_per_sleep_h: float = 2200.0
    steps_free: float = 2500.0
    steps_sd: float = 2500.0
    valence_base: float = 0.12
    valence_per_sleep_h: float = 0.24
    valence_free: float = 0.2
    valence_per_step: float = 3.5e-5
    valence_per_exercise_h: float = 0.15
    valence_per_drink_lag1: float = -0.07
    valence_weekday: tuple[float, ...] = (-0.14, -0.03, 0.0, 0.03, 0.12, 0.0, 0.0)
    valence_sd: float = 0.12
    arousal_base: float = 0.08
    arousal_per_caffeine_mg: float = 0.0012
    arousal_per_step: float = 2.5e-5
    arousal_per_sleep_h: float = 0.12
    arousal_mindful: float = -0.1
    arousal_weekday: tuple[float, ...] = (0.15, 0.05, 0.0, 0.0, 0.05, -0.05, -0.1)
    arousal_sd: float = 0.12
    checkin_sd: float = 0.2
    checkins_p: tuple[float, ...] = (0.1, 0.3, 0.35, 0.25)
    note_prob: float = 0.4
    reflection_prob_evening: float = 0.3
    resting_hr_base: float = 61.0
    resting_hr_per_weekly_exercise_h: float = -1.2
    resting_hr_sd: float = 1.5
    hrv_base_ms: float = 48.0
    hrv_per_drink_lag1_ms: float = -5.0
    hrv_per_sleep_h_ms: float = 3.0
    hrv_sd_ms: float = 6.0
    music_mean_min: float = 60.0
    music_sd_min: float = 30.0
    skip_base: float = 0.22
    skip_logit_per_arousal: float = 2.0
    late_music_prob: float = 0.75
    late_onset_h: float = -0.5
    vacation_weeks_per_730_days: int = 10
    work_hours_mean: float = 8.4
    screen_time_mean_min: float = 190.0
    screen_time_free_min: float = 60.0
    watch_charging_hour: int = 20
    legacy_sleep_days: int = 60
    wearable_missing_prob: float = 0.02


def true_effects(params: DemoParams) -> Mapping[str, float]:
    """The effects and chronotype constants an analysis of data from `params` must recover.

    Chronotype follows the MCTQ: SD = sleep end − onset, MS = onset + SD/2,
    SDweek = (5·SDw + 2·SDf)/7, MSFsc = MSF − (SDf − SDweek)/2 (as SDf > SDw),
    social jetlag = |MSF − MSW|; all in hours, mid-sleep from local midnight.
    """
    sd_work = params.work_wake_h - params.work_onset_h
    sd_free = params.free_wake_h - params.free_onset_h
    msw = params.work_onset_h + sd_work / 2
    msf = params.free_onset_h + sd_free / 2
    sd_week = (5 * sd_work + 2 * sd_free) / 7
    msf_sc = msf - (sd_free - sd_week) / 2 if sd_free > sd_work else msf
    mean_cup = float(np.mean(params.cup_mg))
    effects = {
        "steps_on_valence_per_step": params.valence_per_step,
        "sleep_on_valence_per_hour": params.valence_per_sleep_h,
        "free_day_on_valence": params.valence_free,
        "exercise_on_valence_per_hour": params.valence_per_exercise_h,
        "alcohol_lag1_on_valence": params.valence_per_drink_lag1,
        "alcohol_on_next_sleep_hours": -params.awake_min_per_drink / 60,
        "alcohol_lag1_on_hrv_ms": params.hrv_per_drink_lag1_ms,
        "sleep_on_steps_per_hour": params.steps_per_sleep_h,
        "free_day_on_steps": params.steps_free,
        "short_sleep_on_caffeine_mg_per_hour": params.cups_per_lost_sleep_h * mean_cup,
        "caffeine_on_arousal_per_mg": params.arousal_per_caffeine_mg,
        "steps_on_arousal_per_step": params.arousal_per_step,
        "sleep_on_arousal_per_hour": params.arousal_per_sleep_h,
        "weekly_exercise_on_resting_hr_per_hour": params.resting_hr_per_weekly_exercise_h,
        "msw": msw,
        "msf": msf,
        "sd_work": sd_work,
        "sd_free": sd_free,
        "sd_week": sd_week,
        "msf_sc": msf_sc,
        "social_jetlag": abs(msf - msw),
    }
    for name, valence, arousal in zip(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        params.valence_weekday,
        params.arousal_weekday,
        strict=True,
    ):
        free = params.valence_free if name in ("sat", "sun") else 0.0
        effects[f"valence_offset_{name}"] = valence + free
        effects[f"arousal_offset_{name}"] = arousal
    return MappingProxyType(effects)


TRUE_EFFECTS: Mapping[str, float] = true_effects(DemoParams())
"""Effects of the default parameters: `valence_offset_*` is relative to a Wednesday with
the same sleep, steps, exercise and drinks; chronotype values are clock hours."""

SleepStage = Literal["core", "deep", "rem", "asleep", "awake"]


@dataclass(frozen=True, slots=True)
class Span:
    """A timed measurement (epoch seconds, UTC); `start == end` for instant samples."""

    start: int
    end: int
    value: float


@dataclass(frozen=True, slots=True)
class SleepSegment:
    """One contiguous stretch of a night in a single stage, as the watch records it."""

    start: int
    end: int
    stage: SleepStage


@dataclass(frozen=True, slots=True)
class SleepEpisode:
    """One night, filed under the local date on which it ends (`night`).

    `legacy` nights come from an older watchOS that only knew asleep/awake.
    """

    night: date
    onset: int
    wake: int
    in_bed_start: int
    in_bed_end: int
    segments: tuple[SleepSegment, ...]
    legacy: bool


@dataclass(frozen=True, slots=True)
class HrvReading:
    """An SDNN reading with the instantaneous heart rates it was computed from.

    `beats` holds (milliseconds after `start`, bpm) pairs.
    """

    start: int
    end: int
    value: float
    beats: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Track:
    """A song in Alex's (invented) music catalogue."""

    name: str
    artist: str
    album: str
    uri: str
    duration_ms: int


@dataclass(frozen=True, slots=True)
class Play:
    """One streamed play; `end` (epoch seconds) is when it stopped, as Spotify's `ts` is."""

    end: int
    ms_played: int
    track: int
    skipped: bool
    reason_start: str
    reason_end: str
    shuffle: bool
    platform: str
    ip_addr: str


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A mood check-in: the word picked, its lexicon coordinates, tags and journal text."""

    day: date
    at: int
    word: str
    valence: float
    arousal: float
    people: tuple[str, ...]
    places: tuple[str, ...]
    events: tuple[str, ...]
    note: str
    reflection: str


@dataclass(frozen=True)
class DemoTruth:
    """The simulated truth: one row per day plus every event the exporters write.

    `daily` is indexed by local date (a DatetimeIndex named "date"). Event times are epoch
    seconds; every event of a day lies on that local date except sleep (filed by the night's
    end) and plays (filed by their end, as analytics do).
    """

    params: DemoParams
    daily: pd.DataFrame
    checkins: tuple[CheckIn, ...]
    sleep: tuple[SleepEpisode, ...]
    steps: tuple[Span, ...]
    heart_rate: tuple[Span, ...]
    resting_hr: tuple[Span, ...]
    hrv: tuple[HrvReading, ...]
    exercise: tuple[Span, ...]
    mindful: tuple[Span, ...]
    caffeine: tuple[Span, ...]
    drinks: tuple[Span, ...]
    tracks: tuple[Track, ...]
    plays: tuple[Play, ...]


@dataclass(frozen=True, slots=True)
class _Window:
    """A day's waking time in local clock seconds from a midnight valid after 03:00."""

    day: date
    zero: int
    start: int
    end: int

    def at(self, clock_s: float) -> int:
        """Epoch seconds of a local clock time (seconds after midnight) on this day."""
        return self.zero + round(clock_s)


def simulate(
    days: int = 730,
    seed: int = 7,
    end: date = date(2026, 10, 31),
    *,
    params: DemoParams | None = None,
) -> DemoTruth:
    """Sample `days` days ending on `end` from the model; the same seed gives the same truth."""
    if days < 1:
        raise ValueError("days must be positive")
    p = params or DemoParams()
    rng = np.random.default_rng(seed)
    total = days + _LEAD_DAYS + 1  # one trailing day: the next night's onset ends each day
    dates = [end - timedelta(days=days - 1 + _LEAD_DAYS - i) for i in range(total)]
    weekday = np.array([d.weekday() for d in dates])
    free = weekday >= 5
    vacation = _vacation(rng, weekday, days, p)

    drinks = rng.poisson(np.asarray(p.drinks_rate)[weekday])
    drinks_before = np.concatenate([[0], drinks[:-1]])
    nights = _nights(rng, dates, free, drinks_before, p)
    sleep_h = (nights["wake"] - nights["onset"] - nights["awake_s"]) / 3600

    cups = rng.poisson(np.maximum(0.3, p.cups_base + p.cups_per_lost_sleep_h * (7.5 - sleep_h)))
    cup_mg = [rng.choice(np.asarray(p.cup_mg), size=int(n)) for n in cups]
    caffeine = np.array([int(mg.sum()) for mg in cup_mg])
    exercise_on = rng.random(total) < np.where(free, p.exercise_prob_free, p.exercise_prob_work)
    exercise_len = np.clip(np.rint(rng.normal(p.exercise_mean_min, p.exercise_sd_min, total)), 15, 90)
    exercise = np.where(exercise_on, exercise_len, 0).astype(int)
    mindful = np.where(rng.random(total) < p.mindful_prob, rng.integers(5, 21, total), 0)
    steps = np.maximum(
        300,
        np.rint(
            p.steps_base
            + p.steps_per_sleep_h * (sleep_h - SLEEP_REF_H)
            + p.steps_free * free
            + rng.normal(0, p.steps_sd, total)
        ),
    ).astype(int)
    valence = np.clip(
        p.valence_base
        + p.valence_per_sleep_h * (sleep_h - SLEEP_REF_H)
        + p.valence_free * free
        + p.valence_per_step * (steps - STEPS_REF)
        + p.valence_per_exercise_h * exercise / 60
        + p.valence_per_drink_lag1 * drinks_before
        + np.asarray(p.valence_weekday)[weekday]
        + rng.normal(0, p.valence_sd, total),
        -0.95,
        0.95,
    )
    arousal = np.clip(
        p.arousal_base
        + p.arousal_per_caffeine_mg * (caffeine - CAFFEINE_REF_MG)
        + p.arousal_per_step * (steps - STEPS_REF)
        + p.arousal_per_sleep_h * (sleep_h - SLEEP_REF_H)
        + p.arousal_mindful * (mindful > 0)
        + np.asarray(p.arousal_weekday)[weekday]
        + rng.normal(0, p.arousal_sd, total),
        -0.95,
        0.95,
    )
    weekly_exercise_h = np.convolve(exercise, np.ones(7), mode="full")[: total] - exercise
    resting = np.rint(
        p.resting_hr_base
        + p.resting_hr_per_weekly_exercise_h * weekly_exercise_h / 60
        + rng.normal(0, p.resting_hr_sd, total)
    ).astype(int)
    hrv_day = np.maximum(
        15.0,
        p.hrv_base_ms
        + p.hrv_per_drink_lag1_ms * drinks_before
        + p.hrv_per_sleep_h_ms * (sleep_h - SLEEP_REF_H)
        + rng.normal(0, p.hrv_sd_ms, total),
    )
    temperature, weather = _weather(rng, dates)
    social = _social(rng, weekday, drinks)
    music_target = np.clip(rng.normal(p.music_mean_min, p.music_sd_min, total), 0, 240)
    skip_p = 1 / (1 + np.exp(-(math.log(p.skip_base / (1 - p.skip_base)) + p.skip_logit_per_arousal * arousal)))
    tracks = _catalogue(rng)

    builder = _EventLog()
    for i in range(_LEAD_DAYS, _LEAD_DAYS + days):
        window = _window(dates[i], int(nights["wake"][i]), int(nights["onset"][i + 1]))
        is_work = bool(not free[i] and not vacation[i])
        builder.sleep.append(
            _sleep_episode(
                rng,
                dates[i],
                int(nights["onset"][i]),
                int(nights["wake"][i]),
                int(nights["awake_s"][i]),
                legacy=i - _LEAD_DAYS < p.legacy_sleep_days,
            )
        )
        slots = _step_slots(rng, window, int(steps[i]), bool(free[i]), is_work)
        workout = _exercise(rng, window, int(exercise[i]), bool(free[i]))
        builder.steps += slots
        builder.exercise += workout
        builder.mindful += _mindful(rng, window, int(mindful[i]))
        builder.caffeine += _intakes(rng, window, cup_mg[i], morning=True)
        builder.drinks += _intakes(rng, window, np.ones(int(drinks[i]), dtype=int), morning=False)
        builder.heart_rate += _heart_rate(rng, window, slots, workout, int(resting[i]), p)
        builder.resting_hr.append(Span(window.at(window.start + 60), window.at(window.end), int(resting[i])))
        builder.hrv += _hrv(rng, window, float(hrv_day[i]), int(resting[i]), p)
        late = float(nights["onset_clock"][i + 1]) > p.late_onset_h and rng.random() < p.late_music_prob
        builder.plays += _plays(
            rng, window, int(nights["onset"][i + 1]), tracks, float(music_target[i]),
            float(skip_p[i]), free=bool(free[i]), late=late,
        )  # fmt: skip
        day = _DayFacts(
            window=window,
            work=is_work,
            free=bool(free[i]),
            valence=float(valence[i]),
            arousal=float(arousal[i]),
            sleep_hours=float(sleep_h[i]),
            drinks_last_night=int(drinks_before[i]),
            social=social[i],
            weather=weather[i],
            temperature=int(temperature[i]),
        )
        builder.checkins += _checkins(rng, day, builder, p)
    checkins = _plant_injections(rng, builder.checkins)

    report = slice(_LEAD_DAYS, _LEAD_DAYS + days)
    daily = _daily_frame(
        dates[report],
        builder,
        checkins,
        latent={"valence_latent": valence[report], "arousal_latent": arousal[report]},
        columns={
            "weekday": weekday[report],
            "is_free_day": free[report],
            "is_vacation": vacation[report],
            "caffeine_mg": caffeine[report],
            "alcohol_drinks": drinks[report],
            "weather": np.asarray(weather, dtype=object)[report],
            "temperature_c": temperature[report],
        },
        rng=rng,
        params=p,
    )
    return DemoTruth(
        params=p,
        daily=daily,
        checkins=checkins,
        sleep=tuple(builder.sleep),
        steps=tuple(builder.steps),
        heart_rate=tuple(builder.heart_rate),
        resting_hr=tuple(builder.resting_hr),
        hrv=tuple(builder.hrv),
        exercise=tuple(builder.exercise),
        mindful=tuple(builder.mindful),
        caffeine=tuple(builder.caffeine),
        drinks=tuple(builder.drinks),
        tracks=tracks,
        plays=tuple(play for play in builder.plays if _local_date(play.end) <= end),
    )
