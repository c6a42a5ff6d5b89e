"""One person's data in the shapes analyses read: the daily frame, sleep, check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from brain.affect import quadrant_of
from brain.timeline.derive import hours_from_midnight


@dataclass(frozen=True)
class PersonData:
    """Everything the analyses of one person read, at one data version.

    `daily` has a row for every calendar day from the first to the last day with data (NaN
    where there is none), one float column per metric. `sleep` has one row per main sleep
    episode: night, onset and wake-up in local clock hours from that night's midnight,
    duration in hours. `checkins` has one row per mood check-in with its quadrant.
    """

    person: str
    data_version: int
    daily: pd.DataFrame
    sleep: pd.DataFrame
    checkins: pd.DataFrame

    @property
    def first_day(self) -> date | None:
        return self.daily.index[0].date() if len(self.daily) else None

    @property
    def last_day(self) -> date | None:
        return self.daily.index[-1].date() if len(self.daily) else None


def daily_frame(timeline: pd.DataFrame) -> pd.DataFrame:
    """A store timeline on a complete daily DatetimeIndex named "day"."""
    if timeline.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="day"), dtype=float)
    frame = timeline.astype(float)
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index), name="day")
    full = pd.date_range(frame.index.min(), frame.index.max(), freq="D", name="day")
    return frame.reindex(full)


def main_sleep(episodes: pd.DataFrame) -> pd.DataFrame:
    """The main episode of each night as clock hours: onset (may be negative), wake, length."""
    columns = ["night", "onset", "wake", "duration", "asleep_hours"]
    if episodes.empty:
        return pd.DataFrame(columns=columns)
    main = episodes[episodes["is_main"].astype(bool)].copy()
    midnight = pd.to_datetime(main["night"]).astype("int64") // 10**9
    main["onset"] = hours_from_midnight(main["start_utc"], main["start_offset_min"], midnight)
    main["wake"] = hours_from_midnight(main["end_utc"], main["end_offset_min"], midnight)
    main["duration"] = main["wake"] - main["onset"]
    main["night"] = pd.to_datetime(main["night"])
    return main[columns].reset_index(drop=True)


def with_quadrants(checkins: pd.DataFrame) -> pd.DataFrame:
    """Check-ins with their circumplex quadrant (None where arousal is unknown)."""
    frame = checkins.copy()
    placed = frame["valence"].notna() & frame["arousal"].notna()
    frame["quadrant"] = np.where(
        placed,
        [
            quadrant_of(v, a) if ok else ""
            for v, a, ok in zip(frame["valence"], frame["arousal"], placed, strict=True)
        ],
        None,
    )
    frame["day"] = pd.to_datetime(frame["day"])
    return frame
