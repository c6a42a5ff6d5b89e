"""The daily truth table: one row per reported day, recomputed from the written events.

Measured columns come from the very events the exporters write, so an importer can reproduce
them exactly; the rest are the model's latent states and labels (`TRUTH_ONLY_COLUMNS`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd

from brain.demo.drivers import Drivers
from brain.demo.params import LEAD_DAYS, SLEEP_REF_H, TZ, DemoParams
from brain.demo.records import CheckIn, Play


def daily_frame(
    rng: np.random.Generator,
    d: Drivers,
    measured: Mapping[str, list[float]],
    checkins: tuple[CheckIn, ...],
    plays: tuple[Play, ...],
    p: DemoParams,
) -> pd.DataFrame:
    """One row per reported day; measured columns are recomputed from the written events."""
    report = slice(LEAD_DAYS, len(d.dates) - 1)
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
    for name, values in measured.items():
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
    rng: np.random.Generator, d: Drivers, frame: pd.DataFrame, p: DemoParams
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
