"""The typed records the demo simulation produces, and `DemoTruth` that holds them all.

Kept apart from the simulation so that the exporters and tests can read the records without
the machinery that samples them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

from brain.demo.params import DemoParams

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
