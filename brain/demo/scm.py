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

This module holds `simulate` and the day loop; the parts live beside it: `params` (the model
and its true effects), `records` (what it produces), `drivers` (the daily equations), `clock`,
`sleep`, `health` (steps, workouts, intakes, heart), `music`, `checkins` and `daily` (the
daily truth table).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np

from brain.demo.checkins import CheckInContext, day_checkins, plant_injections
from brain.demo.clock import clock_hours, local_date, waking_window
from brain.demo.daily import daily_frame
from brain.demo.drivers import Drivers, sample_drivers
from brain.demo.health import (
    exercise_spans,
    heart_rate_readings,
    hrv_readings,
    intakes,
    mindful_spans,
    step_slots,
)
from brain.demo.music import ListeningSession, catalogue, day_plays
from brain.demo.params import LEAD_DAYS, DemoParams
from brain.demo.records import CheckIn, DemoTruth, HrvReading, Play, SleepEpisode, Span, Track
from brain.demo.sleep import sleep_episode


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
    drivers = sample_drivers(rng, days, end, p)
    tracks = catalogue(rng)
    log = _EventLog([], [], [], [], [], [], [], [], [], [], [], defaultdict(list))
    for i in range(LEAD_DAYS, LEAD_DAYS + days):
        _simulate_day(rng, drivers, i, tracks, log, p)
    plays = tuple(play for play in log.plays if local_date(play.end) <= end)
    checkins = plant_injections(rng, log.checkins)
    return DemoTruth(
        params=p,
        daily=daily_frame(rng, drivers, log.measured, checkins, plays, p),
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


def _simulate_day(
    rng: np.random.Generator,
    d: Drivers,
    i: int,
    tracks: tuple[Track, ...],
    log: _EventLog,
    p: DemoParams,
) -> None:
    """Lay out day i's events on the clock and record the measurements they imply."""
    window = waking_window(d.dates[i], int(d.wake[i]), int(d.onset[i + 1]))
    free, work = bool(d.free[i]), bool(not d.free[i] and not d.vacation[i])
    night = sleep_episode(
        rng,
        d.dates[i],
        (int(d.onset[i]), int(d.wake[i]), int(d.awake_s[i])),
        legacy=i - LEAD_DAYS < p.legacy_sleep_days,
    )
    slots = step_slots(rng, window, int(d.steps[i]), free, work)
    workout = exercise_spans(rng, window, int(d.exercise[i]), free)
    mindful = mindful_spans(rng, window, int(d.mindful[i]))
    caffeine = intakes(rng, window, d.cup_mg[i], evening=False)
    drinks = intakes(rng, window, np.ones(int(d.drinks[i]), dtype=int), evening=True)
    heart_rate = heart_rate_readings(rng, window, slots, workout, int(d.resting_hr[i]), p)
    resting = Span(window.at(window.start + 60), window.at(window.end - 60), int(d.resting_hr[i]))
    hrv = hrv_readings(rng, window, float(d.hrv[i]), int(d.resting_hr[i]), p)
    late = bool(d.onset_clock[i + 1] > p.late_onset_h and rng.random() < p.late_music_prob)
    session = ListeningSession(tracks, float(d.skip_p[i]), free)
    plays = day_plays(rng, window, int(d.onset[i + 1]), session, float(d.music_min[i]), late)
    context = CheckInContext(
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
    log.checkins += day_checkins(rng, context, p)

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
    log.measured["sleep_start"].append(clock_hours(night.onset, night.night))
    log.measured["sleep_end"].append(clock_hours(night.wake, night.night))
    log.measured["steps"].append(sum(s.value for s in slots))
    log.measured["exercise_minutes"].append(len(workout))
    log.measured["mindful_minutes"].append(sum(s.value for s in mindful))
    log.measured["heart_rate"].append(float(np.mean([s.value for s in heart_rate])))
    log.measured["resting_hr"].append(resting.value)
    log.measured["hrv_sdnn_ms"].append(float(np.mean([r.value for r in hrv])))
