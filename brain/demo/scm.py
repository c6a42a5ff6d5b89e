"""Alex's two years as a structural causal model: the known truth behind the demo life-log.

Analytics (lagged correlations, weekday priors, Granger, DoWhy, MCTQ chronotype) can only be
tested against effects known in advance, so the demo data are sampled from the model written
out in `DemoParams`, and `TRUE_EFFECTS` lists what a correct analysis must recover.

Steps → valence is the deliberately confounded pair: more sleep and free days raise both, so
the naive slope of valence on steps is about 2.7 times the true effect, while regressing on
steps, sleep_hours and is_free_day recovers it. Mood is observed only as words: a check-in
reports the day's latent point plus noise as its nearest lexicon word, so the daily truth
`valence`/`arousal` is the mean of the chosen words' coordinates (`*_latent` keeps the rest).

Every measured daily column is recomputed from the very events `brain.demo.exports` writes, so
importers can reproduce the truth exactly. One numpy generator is drawn from in a fixed order,
so the seed fixes every byte.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from brain.affect import nearest_emotion
from brain.demo.journal import INJECTIONS, NoteContext, Social, write_note, write_reflection

TZ = ZoneInfo("Europe/Berlin")

SLEEP_REF_H = 7.0
STEPS_REF = 8000
CAFFEINE_REF_MG = 200

_LEAD_DAYS = 7  # simulated before the first reported day so that lags and weekly sums are warm
_LAST_CHECKIN_MIN = 22 * 60 + 30


@dataclass(frozen=True, slots=True)
class DemoParams:
    """Coefficients of Alex's model. Day t has weekday w_t (Monday = 0, the index of every
    weekday tuple) and F_t = 1 on Saturday and Sunday; night t is the sleep that ends on the
    morning of t, and its clock times are hours from the local midnight starting t (−0.75 =
    23:15 the evening before). S̄ = SLEEP_REF_H, N̄ = STEPS_REF, C̄ = CAFFEINE_REF_MG.

        D_t   ~ Poisson(drinks_rate[w_t])                                  alcoholic drinks
        on_t  ~ N(free_onset_h, free_onset_sd_h) if F_t else N(work_onset_h, work_onset_sd_h)
        up_t  ~ N(free_wake_h, free_wake_sd_h)   if F_t else N(work_wake_h, work_wake_sd_h)
        W_t   = Gamma(awake_shape, awake_scale_min) + B·U(bad_night_awake_min)
                + awake_min_per_drink · D_{t−1}          minutes awake, B ~ Bern(bad_night_prob)
        S_t   = up_t − on_t − W_t/60                     hours asleep (elapsed, so DST-aware)
        C_t   = Σ cups of cup_mg,  cups ~ Poisson(cups_base + cups_per_lost_sleep_h (S̄ − S_t))
        E_t   = Bern(exercise_prob_free if F_t else exercise_prob_work)
                · clip(N(exercise_mean_min, exercise_sd_min), 15, 90)      gym or bike: no steps
        M_t   = Bern(mindful_prob) · U{5..20}                              mindful minutes
        N_t   = steps_base + steps_per_sleep_h (S_t − S̄) + steps_free F_t + N(0, steps_sd²)
        V_t   = valence_base + valence_per_sleep_h (S_t − S̄) + valence_free F_t
                + valence_per_step (N_t − N̄) + valence_per_exercise_h E_t/60
                + valence_per_drink_lag1 D_{t−1} + valence_weekday[w_t] + N(0, valence_sd²)
        A_t   = arousal_base + arousal_per_caffeine_mg (C_t − C̄) + arousal_per_step (N_t − N̄)
                + arousal_per_sleep_h (S_t − S̄) + arousal_mindful 1[M_t > 0]
                + arousal_weekday[w_t] + N(0, arousal_sd²)
        RHR_t = resting_hr_base + resting_hr_per_weekly_exercise_h Σ_{s=t−7}^{t−1} E_s/60
                + N(0, resting_hr_sd²)
        HRV_t = hrv_base_ms + hrv_per_drink_lag1_ms D_{t−1} + hrv_per_sleep_h_ms (S_t − S̄)
                + N(0, hrv_sd_ms²)
        mood  : K_t ~ Categorical(checkins_p) check-ins, each the nearest lexicon word to
                (V_t, A_t) + N(0, checkin_sd²) per axis; V_t, A_t clipped to ±0.95
        music : minutes ~ N(music_mean_min, music_sd_min²), skip probability
                logistic(logit(skip_base) + skip_logit_per_arousal · A_t), and with probability
                late_music_prob a session until onset when the next onset is after late_onset_h

    Steps are floored at 300, cups at a rate of 0.3. Vacation weeks only move hours from work
    to home. The watch is off the wrist (charging) during `watch_charging_hour`; the first
    `legacy_sleep_days` nights come from a watchOS without sleep stages.
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
    bad_night_prob: float = 0.08
    bad_night_awake_min: tuple[float, float] = (45.0, 150.0)
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
    steps_per_sleep_h: float = 1750.0
    steps_free: float = 2500.0
    steps_sd: float = 2600.0
    valence_base: float = -0.02
    valence_per_sleep_h: float = 0.22
    valence_free: float = 0.3
    valence_per_step: float = 2.5e-5
    valence_per_exercise_h: float = 0.15
    valence_per_drink_lag1: float = -0.07
    valence_weekday: tuple[float, ...] = (-0.12, -0.03, 0.0, 0.03, 0.1, 0.0, 0.0)
    valence_sd: float = 0.04
    arousal_base: float = 0.08
    arousal_per_caffeine_mg: float = 0.0012
    arousal_per_step: float = 2.5e-5
    arousal_per_sleep_h: float = 0.12
    arousal_mindful: float = -0.1
    arousal_weekday: tuple[float, ...] = (0.15, 0.05, 0.0, 0.0, 0.05, -0.05, -0.1)
    arousal_sd: float = 0.12
    checkin_sd: float = 0.2
    checkins_p: tuple[float, ...] = (0.1, 0.2, 0.35, 0.35)
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

    Effects are direct (other causes held fixed) unless named `_total`, which adds the paths
    through sleep and steps; drinks act on the next day (lag 1). Estimating the alcohol totals
    needs weekday (or free-day) adjustment, since Friday and Saturday drinking precede free days.
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
    sleep_per_drink = -params.awake_min_per_drink / 60
    sleep_on_valence_total = params.valence_per_sleep_h + (
        params.valence_per_step * params.steps_per_sleep_h
    )
    effects = {
        "steps_on_valence_per_step": params.valence_per_step,
        "sleep_on_valence_per_hour": params.valence_per_sleep_h,
        "sleep_on_valence_per_hour_total": sleep_on_valence_total,
        "free_day_on_valence": params.valence_free,
        "exercise_on_valence_per_hour": params.valence_per_exercise_h,
        "alcohol_lag1_on_valence": params.valence_per_drink_lag1,
        "alcohol_lag1_on_valence_total": (
            params.valence_per_drink_lag1 + sleep_per_drink * sleep_on_valence_total
        ),
        "alcohol_on_next_sleep_hours": sleep_per_drink,
        "alcohol_lag1_on_hrv_ms": params.hrv_per_drink_lag1_ms,
        "alcohol_lag1_on_hrv_ms_total": (
            params.hrv_per_drink_lag1_ms + sleep_per_drink * params.hrv_per_sleep_h_ms
        ),
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


# columns of the truth that no export carries (latent states, labels of the model)
TRUTH_ONLY_COLUMNS = (
    "weekday",
    "is_free_day",
    "is_vacation",
    "valence_latent",
    "arousal_latent",
    "readiness",
    "weather",
    "temperature_c",
)


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

    @property
    def measured(self) -> pd.DataFrame:
        """The daily truth as a person's timeline holds it: measured metrics only, as floats."""
        return self.daily.drop(columns=list(TRUTH_ONLY_COLUMNS)).astype(float)


@dataclass(frozen=True, slots=True)
class _Drivers:
    """The daily structural variables, one array entry per simulated day (lead days included)."""

    dates: list[date]
    weekday: np.ndarray
    free: np.ndarray
    vacation: np.ndarray
    drinks: np.ndarray
    drinks_before: np.ndarray
    onset: np.ndarray
    wake: np.ndarray
    awake_s: np.ndarray
    onset_clock: np.ndarray
    sleep_h: np.ndarray
    cup_mg: list[np.ndarray]
    caffeine: np.ndarray
    exercise: np.ndarray
    mindful: np.ndarray
    steps: np.ndarray
    valence: np.ndarray
    arousal: np.ndarray
    resting_hr: np.ndarray
    hrv: np.ndarray
    temperature: np.ndarray
    weather: list[str]
    social: list[Social]
    music_min: np.ndarray
    skip_p: np.ndarray


@dataclass(frozen=True, slots=True)
class _Window:
    """A day's waking time as local clock seconds after a midnight that is valid after 03:00.

    Europe/Berlin changes clocks at 02:00/03:00, so one offset holds from wake to midnight.
    """

    day: date
    zero: int
    start: int
    end: int

    def at(self, clock_s: float) -> int:
        """Epoch seconds of a local clock time (seconds after midnight) on this day."""
        return self.zero + round(clock_s)


@dataclass
class _EventLog:
    """Events accumulated day by day, plus the per-day measurements derived from them."""

    checkins: list[CheckIn]
    sleep: list[SleepEpisode]
    steps: list[Span]
    heart_rate: list[Span]
    resting_hr: list[Span]
    hrv: list[HrvReading]
    exercise: list[Span]
    mindful: list[Span]
    caffeine: list[Span]
    drinks: list[Span]
    plays: list[Play]
    measured: dict[str, list[float]]


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
    drivers = _drivers(rng, days, end, p)
    tracks = _catalogue(rng)
    log = _EventLog([], [], [], [], [], [], [], [], [], [], [], defaultdict(list))
    for i in range(_LEAD_DAYS, _LEAD_DAYS + days):
        _simulate_day(rng, drivers, i, tracks, log, p)
    plays = tuple(play for play in log.plays if _local_date(play.end) <= end)
    checkins = _plant_injections(rng, log.checkins)
    return DemoTruth(
        params=p,
        daily=_daily_frame(rng, drivers, log, checkins, plays, p),
        checkins=checkins,
        sleep=tuple(log.sleep),
        steps=tuple(log.steps),
        heart_rate=tuple(log.heart_rate),
        resting_hr=tuple(log.resting_hr),
        hrv=tuple(log.hrv),
        exercise=tuple(log.exercise),
        mindful=tuple(log.mindful),
        caffeine=tuple(log.caffeine),
        drinks=tuple(log.drinks),
        tracks=tracks,
        plays=plays,
    )


def _drivers(rng: np.random.Generator, days: int, end: date, p: DemoParams) -> _Drivers:
    """Sample the daily structural equations, in causal order, for lead + reported + 1 days."""
    total = _LEAD_DAYS + days + 1  # the trailing day supplies the onset that ends each day
    dates = [end - timedelta(days=days - 1 + _LEAD_DAYS - i) for i in range(total)]
    weekday = np.array([d.weekday() for d in dates])
    free = weekday >= 5
    vacation = _vacation(rng, weekday, days, p)
    drinks = rng.poisson(np.asarray(p.drinks_rate)[weekday])
    drinks_before = np.concatenate([[0], drinks[:-1]])
    onset, wake, awake_s = _nights(rng, dates, free, drinks_before, p)
    sleep_h = (wake - onset - awake_s) / 3600

    cups = rng.poisson(
        np.maximum(0.3, p.cups_base + p.cups_per_lost_sleep_h * (SLEEP_REF_H - sleep_h))
    )
    cup_mg = [rng.choice(np.asarray(p.cup_mg), size=int(n)) for n in cups]
    caffeine = np.array([int(mg.sum()) for mg in cup_mg])
    exercise_on = rng.random(total) < np.where(free, p.exercise_prob_free, p.exercise_prob_work)
    length = np.clip(np.rint(rng.normal(p.exercise_mean_min, p.exercise_sd_min, total)), 15, 90)
    exercise = np.where(exercise_on, length, 0).astype(int)
    mindful = np.where(rng.random(total) < p.mindful_prob, rng.integers(5, 21, total), 0)
    steps_mean = p.steps_base + p.steps_per_sleep_h * (sleep_h - SLEEP_REF_H) + p.steps_free * free
    steps = np.maximum(300, np.rint(steps_mean + rng.normal(0, p.steps_sd, total))).astype(int)
    valence = (
        p.valence_base
        + p.valence_per_sleep_h * (sleep_h - SLEEP_REF_H)
        + p.valence_free * free
        + p.valence_per_step * (steps - STEPS_REF)
        + p.valence_per_exercise_h * exercise / 60
        + p.valence_per_drink_lag1 * drinks_before
        + np.asarray(p.valence_weekday)[weekday]
        + rng.normal(0, p.valence_sd, total)
    )
    arousal = (
        p.arousal_base
        + p.arousal_per_caffeine_mg * (caffeine - CAFFEINE_REF_MG)
        + p.arousal_per_step * (steps - STEPS_REF)
        + p.arousal_per_sleep_h * (sleep_h - SLEEP_REF_H)
        + p.arousal_mindful * (mindful > 0)
        + np.asarray(p.arousal_weekday)[weekday]
        + rng.normal(0, p.arousal_sd, total)
    )
    past_week_h = (np.convolve(exercise, np.ones(8))[:total] - exercise) / 60
    resting_hr = p.resting_hr_base + p.resting_hr_per_weekly_exercise_h * past_week_h
    hrv = (
        p.hrv_base_ms
        + p.hrv_per_drink_lag1_ms * drinks_before
        + p.hrv_per_sleep_h_ms * (sleep_h - SLEEP_REF_H)
    )
    temperature, weather = _weather(rng, dates)
    skip_logit = math.log(p.skip_base / (1 - p.skip_base)) + p.skip_logit_per_arousal * arousal
    return _Drivers(
        dates=dates,
        weekday=weekday,
        free=free,
        vacation=vacation,
        drinks=drinks,
        drinks_before=drinks_before,
        onset=onset,
        wake=wake,
        awake_s=awake_s,
        onset_clock=np.array([_clock_hours(int(t), d) for t, d in zip(onset, dates, strict=True)]),
        sleep_h=sleep_h,
        cup_mg=cup_mg,
        caffeine=caffeine,
        exercise=exercise,
        mindful=mindful,
        steps=steps,
        valence=np.clip(valence, -0.95, 0.95),
        arousal=np.clip(arousal, -0.95, 0.95),
        resting_hr=np.rint(resting_hr + rng.normal(0, p.resting_hr_sd, total)).astype(int),
        hrv=np.maximum(15.0, hrv + rng.normal(0, p.hrv_sd_ms, total)),
        temperature=temperature,
        weather=weather,
        social=_social(rng, weekday, drinks),
        music_min=np.clip(rng.normal(p.music_mean_min, p.music_sd_min, total), 0, 240),
        skip_p=1 / (1 + np.exp(-skip_logit)),
    )


def _vacation(
    rng: np.random.Generator, weekday: np.ndarray, days: int, p: DemoParams
) -> np.ndarray:
    """Whole Monday-to-Friday vacation weeks inside the reported range."""
    mondays = [i for i in range(_LEAD_DAYS, _LEAD_DAYS + days - 4) if weekday[i] == 0]
    weeks = min(len(mondays), round(p.vacation_weeks_per_730_days * days / 730))
    vacation = np.zeros(len(weekday), dtype=bool)
    for monday in rng.choice(np.asarray(mondays, dtype=int), size=weeks, replace=False):
        vacation[monday : monday + 5] = True
    return vacation


def _nights(
    rng: np.random.Generator,
    dates: list[date],
    free: np.ndarray,
    drinks_before: np.ndarray,
    p: DemoParams,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Onset, wake (epoch s) and awake seconds of the night ending on each date."""
    z_on, z_up = rng.standard_normal(len(dates)), rng.standard_normal(len(dates))
    onset_h = np.where(
        free, p.free_onset_h + p.free_onset_sd_h * z_on, p.work_onset_h + p.work_onset_sd_h * z_on
    )
    wake_h = np.where(
        free, p.free_wake_h + p.free_wake_sd_h * z_up, p.work_wake_h + p.work_wake_sd_h * z_up
    )
    onset = np.array([_instant(d, h) for d, h in zip(dates, onset_h, strict=True)])
    wake = np.array([_instant(d, h) for d, h in zip(dates, wake_h, strict=True)])
    awake_min = rng.gamma(p.awake_shape, p.awake_scale_min, len(dates))
    bad_night = rng.random(len(dates)) < p.bad_night_prob
    awake_min += np.where(bad_night, rng.uniform(*p.bad_night_awake_min, len(dates)), 0.0)
    awake_s = np.rint((awake_min + p.awake_min_per_drink * drinks_before) * 60).astype(int)
    return onset, wake, np.minimum(awake_s, wake - onset - 3 * 3600)


def _weather(rng: np.random.Generator, dates: list[date]) -> tuple[np.ndarray, list[str]]:
    """Daily temperature (°C, seasonal with persistent anomalies) and a sky condition."""
    season = np.array(
        [math.cos(2 * math.pi * (d.timetuple().tm_yday - 20) / 365.25) for d in dates]
    )
    anomaly = np.zeros(len(dates))
    shocks = rng.normal(0, 2.5, len(dates))
    for i in range(1, len(dates)):
        anomaly[i] = 0.7 * anomaly[i - 1] + shocks[i]
    temperature = np.rint(10 - 9.5 * season + anomaly).astype(int)
    summer = (1 - season) / 2
    draw = rng.random(len(dates))
    weather = []
    for u, warmth, temp in zip(draw, summer, temperature, strict=True):
        if u < 0.15 + 0.25 * warmth:
            weather.append("Sunny")
        elif u < 0.4 + 0.2 * warmth:
            weather.append("Partly Cloudy")
        elif u < 0.72:
            weather.append("Cloudy")
        else:
            weather.append("Snow" if temp <= 1 else "Rain")
    return temperature, weather


def _social(rng: np.random.Generator, weekday: np.ndarray, drinks: np.ndarray) -> list[Social]:
    """Who Alex spends the evening with: friends (Fri/Sat, drinking days), family (Sundays).

    Purely descriptive (tags and notes); it causes nothing in the model.
    """
    friends = np.where(drinks >= 2, 0.75, np.where(np.isin(weekday, (4, 5)), 0.35, 0.08))
    family = np.where(weekday == 6, 0.4, 0.04)
    draw = rng.random(len(weekday))
    return [
        "friends" if u < f else "family" if u < f + g else ""
        for u, f, g in zip(draw, friends, family, strict=True)
    ]


_ARTIST_ADJECTIVES = (
    "Velvet", "Paper", "Quiet", "Neon", "Golden", "Hollow", "Silver", "Wild",
    "Lunar", "Amber", "Crystal", "Northern", "Electric", "Sleepy", "Broken", "Distant",
)  # fmt: skip
_ARTIST_NOUNS = (
    "Harbor", "Lanterns", "Atlas", "Orchard", "Foxes", "Signals", "Tides", "Engines",
    "Meadow", "Satellites", "Rivers", "Choir", "Static", "Gardens", "Echoes", "Parade",
)  # fmt: skip
_TITLE_FIRST = (
    "Midnight", "Summer", "Slow", "Blue", "Falling", "Open", "Last", "Glass",
    "Morning", "Faded", "Bright", "Empty", "Wander", "Hidden", "Paper",
)  # fmt: skip
_TITLE_SECOND = (
    "Lights", "Heart", "Road", "Window", "Dreams", "Waves", "City", "Stars",
    "Rain", "Letters", "Fire", "Streets", "Echo", "Horizon", "Song",
)  # fmt: skip
_BASE62 = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))


def _catalogue(rng: np.random.Generator) -> tuple[Track, ...]:
    """40 invented artists × 2 albums × 4 songs, so listening has a realistic long tail."""
    pairs = [(a, n) for a in _ARTIST_ADJECTIVES for n in _ARTIST_NOUNS]
    tracks = []
    for index in rng.permutation(len(pairs))[:40]:
        adjective, noun = pairs[int(index)]
        for _ in range(2):
            album = f"{_TITLE_FIRST[int(rng.integers(15))]} {_ARTIST_NOUNS[int(rng.integers(16))]}"
            for _ in range(4):
                name = (
                    f"{_TITLE_FIRST[int(rng.integers(15))]} {_TITLE_SECOND[int(rng.integers(15))]}"
                )
                tracks.append(
                    Track(
                        name=name,
                        artist=f"The {adjective} {noun}",
                        album=album,
                        uri="spotify:track:" + "".join(rng.choice(_BASE62, 22)),
                        duration_ms=int(rng.integers(140_000, 330_000)),
                    )
                )
    return tuple(tracks)


def _simulate_day(
    rng: np.random.Generator,
    d: _Drivers,
    i: int,
    tracks: tuple[Track, ...],
    log: _EventLog,
    p: DemoParams,
) -> None:
    """Lay out day i's events on the clock and record the measurements they imply."""
    window = _window(d.dates[i], int(d.wake[i]), int(d.onset[i + 1]))
    free, work = bool(d.free[i]), bool(not d.free[i] and not d.vacation[i])
    night = _sleep_episode(
        rng,
        d.dates[i],
        (int(d.onset[i]), int(d.wake[i]), int(d.awake_s[i])),
        legacy=i - _LEAD_DAYS < p.legacy_sleep_days,
    )
    slots = _step_slots(rng, window, int(d.steps[i]), free, work)
    workout = _exercise(rng, window, int(d.exercise[i]), free)
    mindful = _mindful(rng, window, int(d.mindful[i]))
    caffeine = _intakes(rng, window, d.cup_mg[i], evening=False)
    drinks = _intakes(rng, window, np.ones(int(d.drinks[i]), dtype=int), evening=True)
    heart_rate = _heart_rate(rng, window, slots, workout, int(d.resting_hr[i]), p)
    resting = Span(window.at(window.start + 60), window.at(window.end - 60), int(d.resting_hr[i]))
    hrv = _hrv(rng, window, float(d.hrv[i]), int(d.resting_hr[i]), p)
    late = bool(d.onset_clock[i + 1] > p.late_onset_h and rng.random() < p.late_music_prob)
    session = _Session(tracks, float(d.skip_p[i]), free)
    plays = _plays(rng, window, int(d.onset[i + 1]), session, float(d.music_min[i]), late)
    context = _CheckInContext(
        window,
        d,
        i,
        work,
        tuple(slots),
        tuple(workout),
        tuple(mindful),
        tuple(drinks),
        tuple(plays),
    )
    log.checkins += _checkins(rng, context, p)

    log.sleep.append(night)
    log.steps += slots
    log.exercise += workout
    log.mindful += mindful
    log.caffeine += caffeine
    log.drinks += drinks
    log.heart_rate += heart_rate
    log.resting_hr.append(resting)
    log.hrv += hrv
    log.plays += plays
    asleep = sum(s.end - s.start for s in night.segments if s.stage != "awake")
    log.measured["sleep_hours"].append(asleep / 3600)
    log.measured["sleep_start"].append(_clock_hours(night.onset, night.night))
    log.measured["sleep_end"].append(_clock_hours(night.wake, night.night))
    log.measured["steps"].append(sum(s.value for s in slots))
    log.measured["exercise_minutes"].append(len(workout))
    log.measured["mindful_minutes"].append(sum(s.value for s in mindful))
    log.measured["heart_rate"].append(float(np.mean([s.value for s in heart_rate])))
    log.measured["resting_hr"].append(resting.value)
    log.measured["hrv_sdnn_ms"].append(float(np.mean([r.value for r in hrv])))


def _window(day: date, wake: int, next_onset: int) -> _Window:
    """Waking time of `day`: from wake to the next onset, cut at midnight (events stay on day)."""
    zero = _instant(day, 12.0) - 12 * 3600
    midnight = _instant(day + timedelta(days=1), 0.0)
    return _Window(day, zero, wake - zero, min(next_onset, midnight) - zero)


def _sleep_episode(
    rng: np.random.Generator,
    night: date,
    times: tuple[int, int, int],
    *,
    legacy: bool,
) -> SleepEpisode:
    """Stage a night: ~90-min cycles (deep early, REM late) with awake bouts spliced in.

    `times` is (onset, wake, awake seconds); asleep time is exactly wake − onset − awake.
    """
    onset, wake, awake_s = times
    asleep_s = wake - onset - awake_s
    stages: list[tuple[SleepStage, int]] = []
    remaining, cycle = asleep_s, 0
    while remaining > 0:
        length = max(3600.0, rng.normal(5400, 600))
        deep = max(0.05, 0.25 - 0.06 * cycle)
        rem = min(0.4, 0.12 + 0.07 * cycle)
        core = (1 - deep - rem) / 2
        plan: tuple[tuple[SleepStage, float], ...] = (
            ("core", core),
            ("deep", deep),
            ("core", core),
            ("rem", rem),
        )
        for stage, share in plan:
            piece = min(remaining, max(60, int(length * share)))
            stages.append((stage, piece))
            remaining -= piece
            if remaining == 0:
                break
        cycle += 1
    bouts = min(1 + int(rng.poisson(1.5)), max(1, awake_s // 60))
    cuts = np.sort(rng.choice(np.arange(1, max(2, awake_s)), size=bouts - 1, replace=False))
    durations = np.diff(np.concatenate([[0], cuts, [awake_s]])).astype(int)
    positions = np.sort(rng.choice(np.arange(1, asleep_s), size=bouts, replace=False))
    segments = _splice(
        onset, stages, list(zip(positions.tolist(), durations.tolist(), strict=True))
    )
    if legacy:
        segments = [
            SleepSegment(s.start, s.end, "asleep" if s.stage != "awake" else "awake")
            for s in segments
        ]
    return SleepEpisode(
        night=night,
        onset=onset,
        wake=wake,
        in_bed_start=onset - int(rng.integers(300, 1200)),
        in_bed_end=wake + int(rng.integers(60, 600)),
        segments=tuple(_merge(segments)),
        legacy=legacy,
    )


def _splice(
    onset: int, stages: list[tuple[SleepStage, int]], bouts: list[tuple[int, int]]
) -> list[SleepSegment]:
    """Lay stages end to end from onset, inserting each awake bout at its asleep-time offset."""
    segments: list[SleepSegment] = []
    clock, slept = onset, 0
    pending = iter(bouts)
    bout = next(pending, None)
    for stage, length in stages:
        left = length
        while left > 0:
            if bout is not None and bout[0] < slept + left:
                head = bout[0] - slept
                if head > 0:
                    segments.append(SleepSegment(clock, clock + head, stage))
                    clock, slept, left = clock + head, slept + head, left - head
                if bout[1] > 0:
                    segments.append(SleepSegment(clock, clock + bout[1], "awake"))
                clock += bout[1]
                bout = next(pending, None)
            else:
                segments.append(SleepSegment(clock, clock + left, stage))
                clock, slept, left = clock + left, slept + left, 0
    return segments


def _merge(segments: list[SleepSegment]) -> list[SleepSegment]:
    """Join touching segments of the same stage, as the watch reports one per stretch."""
    merged: list[SleepSegment] = []
    for segment in segments:
        if merged and merged[-1].stage == segment.stage and merged[-1].end == segment.start:
            merged[-1] = SleepSegment(merged[-1].start, segment.end, segment.stage)
        else:
            merged.append(segment)
    return merged


def _step_slots(
    rng: np.random.Generator, w: _Window, steps: int, free: bool, work: bool
) -> list[Span]:
    """Split the day's steps over waking quarter hours (commutes, lunch, weekend outings)."""
    quarters = np.arange(math.ceil(w.start / 900), w.end // 900)
    hour = quarters / 4 + 0.125
    if work:
        profile = np.select(
            [
                (hour >= 7.25) & (hour < 8.75),
                (hour >= 12) & (hour < 13.5),
                (hour >= 17) & (hour < 18.5),
                (hour >= 8.75) & (hour < 17),
            ],
            [4.0, 3.0, 4.0, 0.5],
            1.2,
        )
    else:
        profile = np.select(
            [(hour >= 10) & (hour < 13), (hour >= 14) & (hour < 18)], [2.5, 3.0], 1.0
        )
    weights = profile * rng.gamma(0.8, 1.0, len(quarters))
    counts = rng.multinomial(steps, weights / weights.sum())
    return [
        Span(w.at(q * 900), w.at(q * 900) + 900, int(c))
        for q, c in zip(quarters.tolist(), counts.tolist(), strict=True)
        if c > 0
    ]


def _exercise(rng: np.random.Generator, w: _Window, minutes: int, free: bool) -> list[Span]:
    """One-minute exercise spans: after work (done before the watch charges) or late morning."""
    if not minutes:
        return []
    if free:
        start = max(37_800 + 60 * int(rng.integers(0, 61)), 60 * math.ceil(w.start / 60) + 1800)
    else:
        start = 63_900 + 60 * int(rng.integers(0, 31))
    return [Span(w.at(start + 60 * k), w.at(start + 60 * k + 60), 1) for k in range(minutes)]


def _mindful(rng: np.random.Generator, w: _Window, minutes: int) -> list[Span]:
    """A single meditation session, after waking up or late in the evening."""
    if not minutes:
        return []
    start = 75_600 + 60 * int(rng.integers(5, 61))
    if rng.random() < 0.5 or start + 60 * minutes > w.end - 300:
        start = 60 * math.ceil(w.start / 60) + 60 * int(rng.integers(15, 61))
    return [Span(w.at(start), w.at(start + 60 * minutes), minutes)]


def _intakes(
    rng: np.random.Generator, w: _Window, amounts: np.ndarray, *, evening: bool
) -> list[Span]:
    """Instants of coffees (from waking until ~19:00) or drinks (evening, before bed)."""
    if not len(amounts):
        return []
    if evening:
        low, high = 19 * 60, min(23 * 60 + 30, w.end // 60 - 15)
        if high <= low:
            low = high - 180
    else:
        low = math.ceil(w.start / 60) + 10
        high = min(low + 660, 19 * 60)
    minutes = np.sort(rng.integers(low, high + 1, len(amounts)))
    return [
        Span(w.at(60 * m), w.at(60 * m), int(a))
        for m, a in zip(minutes.tolist(), amounts.tolist(), strict=True)
    ]


def _heart_rate(
    rng: np.random.Generator,
    w: _Window,
    slots: list[Span],
    workout: list[Span],
    resting: int,
    p: DemoParams,
) -> list[Span]:
    """About one reading per waking hour while the watch is worn, higher when moving."""
    steps_in_hour: dict[int, int] = defaultdict(int)
    for slot in slots:
        steps_in_hour[(slot.start - w.zero) // 3600] += int(slot.value)
    readings = []
    for hour in range(math.ceil(w.start / 3600), w.end // 3600):
        if hour == p.watch_charging_hour:
            continue
        at = w.at(hour * 3600 + int(rng.integers(0, 3600)))
        moving = any(m.start <= at < m.end for m in workout)
        bpm = resting + 14 + 0.006 * steps_in_hour[hour] + 35 * moving + rng.normal(0, 4)
        readings.append(Span(at, at, round(bpm)))
    return readings


def _hrv(
    rng: np.random.Generator, w: _Window, level: float, resting: int, p: DemoParams
) -> list[HrvReading]:
    """One to three one-minute SDNN readings at random worn times of the day."""
    readings = []
    for _ in range(int(rng.integers(1, 4))):
        clock = int(rng.integers(w.start + 600, w.end - 600))
        while clock // 3600 == p.watch_charging_hour:
            clock = int(rng.integers(w.start + 600, w.end - 600))
        offsets = np.sort(rng.integers(0, 60_000, int(rng.integers(5, 9))))
        beats = tuple((int(ms), round(resting + 6 + rng.normal(0, 3))) for ms in offsets.tolist())
        value = round(max(8.0, level + rng.normal(0, 4)), 3)
        readings.append(HrvReading(w.at(clock), w.at(clock) + 60, value, beats))
    return readings


@dataclass(frozen=True, slots=True)
class _Session:
    """What shapes a day's listening: the catalogue, the skip probability, the day type."""

    tracks: tuple[Track, ...]
    skip_p: float
    free: bool


def _plays(
    rng: np.random.Generator,
    w: _Window,
    next_onset: int,
    session: _Session,
    minutes: float,
    late: bool,
) -> list[Play]:
    """The day's listening sessions, and a late one that runs until sleep onset if `late`."""
    if session.free:
        plan = [(11.5 * 3600, 0.5), (19 * 3600, 0.5)]
    else:
        plan = [(w.start + 2700, 0.3), (17.25 * 3600, 0.3), (21 * 3600, 0.4)]
    plays: list[Play] = []
    cursor = w.at(w.start + 600)
    for start, share in plan:
        begin = max(w.at(start), cursor)
        stop = min(begin + int(share * minutes * 60), w.at(w.end) - 600)
        plays += _listen(rng, session, begin, stop, home=start >= 19 * 3600)
        cursor = max(cursor, plays[-1].end + 60) if plays else cursor
    if late:
        begin = max(cursor, next_onset - int(rng.integers(15, 51)) * 60)
        plays += _listen(rng, session, begin, next_onset, home=True)
    return plays


def _listen(
    rng: np.random.Generator, session: _Session, begin: int, stop: int, *, home: bool
) -> list[Play]:
    """Back-to-back plays from `begin` until `stop`; skips cut a track short."""
    popularity = 1 / (np.arange(len(session.tracks)) + 8.0)
    popularity /= popularity.sum()
    shuffle = bool(rng.random() < 0.5)
    platform, ip_addr = (
        ("osx", "192.0.2.17") if home else ("ios", f"192.0.2.{rng.integers(40, 90)}")
    )
    plays: list[Play] = []
    clock, reason_start = begin, "clickrow"
    while clock + 1 < stop:
        track = int(rng.choice(len(session.tracks), p=popularity))
        duration = session.tracks[track].duration_ms
        skipped = bool(rng.random() < session.skip_p)
        played = int(rng.integers(3_000, duration // 2)) if skipped else duration
        reason_end = "fwdbtn" if skipped else "trackdone"
        if clock + math.ceil(played / 1000) > stop:
            played, skipped, reason_end = (stop - clock) * 1000, False, "endplay"
        end = clock + math.ceil(played / 1000)
        plays.append(
            Play(end, played, track, skipped, reason_start, reason_end, shuffle, platform, ip_addr)
        )
        clock = end + int(rng.integers(0, 3))
        reason_start = "fwdbtn" if skipped else "trackdone"
    return plays


@dataclass(frozen=True, slots=True)
class _CheckInContext:
    """Day i's drivers and the events that check-ins can see and mention."""

    window: _Window
    drivers: _Drivers
    i: int
    work: bool
    slots: tuple[Span, ...]
    workout: tuple[Span, ...]
    mindful: tuple[Span, ...]
    drinks: tuple[Span, ...]
    plays: tuple[Play, ...]


def _checkins(rng: np.random.Generator, c: _CheckInContext, p: DemoParams) -> list[CheckIn]:
    """0–3 check-ins between 08:00 and 22:30, each the nearest word to a noisy latent mood."""
    d, i, w = c.drivers, c.i, c.window
    count = int(rng.choice(len(p.checkins_p), p=np.asarray(p.checkins_p)))
    low = max(8 * 60, math.ceil(w.start / 60) + 10)
    high = min(_LAST_CHECKIN_MIN, w.end // 60 - 5)
    minutes = np.sort(rng.choice(np.arange(low, high + 1), size=count, replace=False))
    checkins = []
    for minute in minutes.tolist():
        at, hour = w.at(60 * minute), minute // 60
        valence = float(np.clip(d.valence[i] + rng.normal(0, p.checkin_sd), -1, 1))
        arousal = float(np.clip(d.arousal[i] + rng.normal(0, p.checkin_sd), -1, 1))
        emotion = nearest_emotion(valence, arousal)
        exercised = sum(1 for s in c.workout if s.end <= at)
        context = NoteContext(
            word=emotion.word,
            quadrant=emotion.quadrant,
            hour=hour,
            is_free_day=bool(d.free[i]),
            at_work=c.work and 9 * 60 <= minute < 17 * 60 + 30,
            exercise_minutes=exercised,
            steps=int(sum(s.value for s in c.slots if s.end <= at)),
            drinks_last_night=int(d.drinks_before[i]),
            drinks_today=sum(1 for s in c.drinks if s.start <= at),
            sleep_hours=float(d.sleep_h[i]),
            social=d.social[i] if hour >= 17 or (d.free[i] and hour >= 11) else "",
            meditated=any(s.end <= at for s in c.mindful),
            music=any(at - 3600 <= play.end <= at for play in c.plays),
            weather=d.weather[i],
            temperature_c=int(d.temperature[i]),
        )
        just_trained = any(at - 5400 <= s.end <= at for s in c.workout)
        note = write_note(rng, context) if rng.random() < p.note_prob else ""
        evening = hour >= 19 and rng.random() < p.reflection_prob_evening
        checkins.append(
            CheckIn(
                day=w.day,
                at=at,
                word=emotion.word,
                valence=emotion.valence,
                arousal=emotion.arousal,
                people=_people(rng, context),
                places=_places(context, c.work, minute, just_trained),
                events=_events(context, exercised),
                note=note,
                reflection=write_reflection(rng, context) if evening else "",
            )
        )
    return checkins


def _people(rng: np.random.Generator, ctx: NoteContext) -> tuple[str, ...]:
    """How We Feel "People" tags for the moment of a check-in."""
    if ctx.social:
        return ("Friends",) if ctx.social == "friends" else ("Family",)
    if ctx.at_work:
        return ("Coworkers",)
    return ("Alone",) if rng.random() < 0.5 else ()


def _places(ctx: NoteContext, work: bool, minute: int, just_trained: bool) -> tuple[str, ...]:
    """How We Feel "Places" tags: where Alex is at that minute."""
    places = []
    if ctx.at_work:
        places.append("Work")
    elif work and (7 * 60 + 30 <= minute < 9 * 60 or 17 * 60 + 30 <= minute < 18 * 60 + 30):
        places.append("Commute")
    elif ctx.social == "friends" and ctx.drinks_today:
        places.append("Bar")
    else:
        places.append("Home")
    if just_trained:
        places.append("Gym")
    return tuple(places)


def _events(ctx: NoteContext, exercised: int) -> tuple[str, ...]:
    """How We Feel "Events" tags: what has happened so far today."""
    tags = []
    if ctx.at_work:
        tags.append("Work")
    if exercised:
        tags.append("Exercise")
    if ctx.drinks_today >= 3:
        tags.append("Party")
    elif ctx.social:
        tags.append("Socializing")
    if ctx.meditated:
        tags.append("Meditation")
    if ctx.music:
        tags.append("Music")
    return tuple(tags)


def _plant_injections(rng: np.random.Generator, checkins: list[CheckIn]) -> tuple[CheckIn, ...]:
    """Append each prompt-injection text to a different, randomly chosen note."""
    with_notes = [k for k, c in enumerate(checkins) if c.note]
    chosen = rng.choice(
        np.asarray(with_notes), size=min(len(INJECTIONS), len(with_notes)), replace=False
    )
    planted = list(checkins)
    for k, text in zip(sorted(chosen.tolist()), INJECTIONS, strict=False):
        planted[k] = replace(planted[k], note=f"{planted[k].note} {text}")
    return tuple(planted)


def _daily_frame(
    rng: np.random.Generator,
    d: _Drivers,
    log: _EventLog,
    checkins: tuple[CheckIn, ...],
    plays: tuple[Play, ...],
    p: DemoParams,
) -> pd.DataFrame:
    """One row per reported day; measured columns are recomputed from the written events."""
    report = slice(_LEAD_DAYS, len(d.dates) - 1)
    dates = d.dates[report]
    frame = pd.DataFrame(index=pd.DatetimeIndex(pd.to_datetime(dates), name="date"))
    frame["weekday"] = d.weekday[report]
    frame["is_free_day"] = d.free[report]
    frame["is_vacation"] = d.vacation[report]

    words: dict[date, list[CheckIn]] = defaultdict(list)
    for checkin in checkins:
        words[checkin.day].append(checkin)
    frame["checkins"] = [len(words[day]) for day in dates]
    frame["valence"] = [_mean([c.valence for c in words[day]]) for day in dates]
    frame["arousal"] = [_mean([c.arousal for c in words[day]]) for day in dates]
    frame["valence_latent"] = d.valence[report]
    frame["arousal_latent"] = d.arousal[report]
    for name, values in log.measured.items():
        frame[name] = values
    frame["steps"] = frame["steps"].astype(int)
    frame["caffeine_mg"] = d.caffeine[report]
    frame["alcohol_drinks"] = d.drinks[report]
    frame = frame.join(_music(plays, dates, p))
    frame = frame.join(_wearable(rng, d, frame, p))
    frame["weather"] = d.weather[report]
    frame["temperature_c"] = d.temperature[report]
    return frame


def _music(plays: tuple[Play, ...], dates: list[date], p: DemoParams) -> pd.DataFrame:
    """Listening minutes, skip share and late-night minutes by the local date a play ended."""
    minutes: dict[date, float] = defaultdict(float)
    late: dict[date, float] = defaultdict(float)
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for play in plays:
        local = datetime.fromtimestamp(play.end, TZ)
        day = local.date()
        minutes[day] += play.ms_played / 60_000
        counts[day][0] += 1
        counts[day][1] += play.skipped
        if local.hour >= 23 or local.hour < 4:
            late[day] += play.ms_played / 60_000
    return pd.DataFrame(
        {
            "music_minutes": [minutes[day] for day in dates],
            "skip_rate": [
                counts[day][1] / counts[day][0] if counts[day][0] else math.nan for day in dates
            ],
            "late_night_music_minutes": [late[day] for day in dates],
        },
        index=pd.DatetimeIndex(pd.to_datetime(dates), name="date"),
    )


def _wearable(
    rng: np.random.Generator, d: _Drivers, frame: pd.DataFrame, p: DemoParams
) -> pd.DataFrame:
    """Location hours, screen time and a readiness score; NaN on days the file leaves out."""
    n = len(frame)
    work = ~frame["is_free_day"].to_numpy() & ~frame["is_vacation"].to_numpy()
    at_work = np.where(work, np.clip(rng.normal(p.work_hours_mean, 0.6, n), 5.5, 10.5), 0.0)
    out = np.where(work, 1.2 + rng.gamma(2.0, 0.5, n), np.clip(rng.gamma(3.0, 1.6, n), 0.3, 14))
    out += frame["exercise_minutes"].to_numpy() / 60
    at_home = np.clip(24 - at_work - out, 4, 24)
    screen = np.maximum(
        15, p.screen_time_mean_min + p.screen_time_free_min * ~work + rng.normal(0, 45, n)
    )
    readiness = np.clip(
        np.rint(
            55
            + 9 * (frame["sleep_hours"].to_numpy() - SLEEP_REF_H)
            + 0.5 * (frame["hrv_sdnn_ms"].to_numpy() - p.hrv_base_ms)
            + rng.normal(0, 4, n)
        ),
        0,
        100,
    )
    missing = rng.random(n) < p.wearable_missing_prob
    columns = {
        "hours_at_home": np.round(at_home, 1),
        "hours_at_work": np.round(at_work, 1),
        "screen_time_min": np.round(screen, 1),
        "readiness": readiness,
    }
    return pd.DataFrame(
        {name: np.where(missing, np.nan, values) for name, values in columns.items()},
        index=frame.index,
    )


def _mean(values: Sequence[float]) -> float:
    """Arithmetic mean, NaN for no values (days without check-ins)."""
    return sum(values) / len(values) if values else math.nan


def _instant(day: date, hours: float) -> int:
    """Epoch seconds of the local wall-clock time `hours` after the midnight starting `day`.

    Wall times inside the spring-forward gap resolve with the pre-transition offset.
    """
    wall = datetime(day.year, day.month, day.day) + timedelta(seconds=round(hours * 3600))
    return int(wall.replace(tzinfo=TZ).timestamp())


def _clock_hours(ts: int, day: date) -> float:
    """Local clock time of an instant in hours from the midnight starting `day` (may be < 0)."""
    local = datetime.fromtimestamp(ts, TZ)
    offset_days = (local.date() - day).days
    return 24 * offset_days + local.hour + local.minute / 60 + local.second / 3600


def _local_date(ts: int) -> date:
    """The Europe/Berlin calendar date of an instant."""
    return datetime.fromtimestamp(ts, TZ).date()
