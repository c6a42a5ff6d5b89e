"""The daily structural equations of the demo model, sampled for every simulated day at once.

`sample_drivers` draws each day's latent and measured variables (sleep timing, drinks,
caffeine, exercise, steps, mood, heart, weather, company, music appetite) in causal order;
the day loop in `brain.demo.scm` then lays them out as timed events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from brain.demo.clock import clock_hours, local_instant
from brain.demo.journal import Social
from brain.demo.params import CAFFEINE_REF_MG, LEAD_DAYS, SLEEP_REF_H, STEPS_REF, DemoParams


@dataclass(frozen=True, slots=True)
class Drivers:
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


def sample_drivers(rng: np.random.Generator, days: int, end: date, p: DemoParams) -> Drivers:
    """Sample the daily structural equations, in causal order, for lead + reported + 1 days."""
    total = LEAD_DAYS + days + 1  # the trailing day supplies the onset that ends each day
    dates = [end - timedelta(days=days - 1 + LEAD_DAYS - i) for i in range(total)]
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
    return Drivers(
        dates=dates,
        weekday=weekday,
        free=free,
        vacation=vacation,
        drinks=drinks,
        drinks_before=drinks_before,
        onset=onset,
        wake=wake,
        awake_s=awake_s,
        onset_clock=np.array([clock_hours(int(t), d) for t, d in zip(onset, dates, strict=True)]),
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
    mondays = [i for i in range(LEAD_DAYS, LEAD_DAYS + days - 4) if weekday[i] == 0]
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
    onset = np.array([local_instant(d, h) for d, h in zip(dates, onset_h, strict=True)])
    wake = np.array([local_instant(d, h) for d, h in zip(dates, wake_h, strict=True)])
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
