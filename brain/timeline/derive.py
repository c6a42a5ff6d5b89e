"""From raw records to one value per day and metric, and sleep records to sleep episodes.

The rules, chosen so that no source is ever counted twice:

- SUM metrics (steps, minutes, drinks). Records come in three shapes. Intervals (a step
  sample from 09:00 to 09:15) from all devices are merged: devices are ranked by their
  total that day, and each interval only adds the share of its time that no higher-ranked
  (or earlier) interval already covered, so a phone and a watch counting the same walk add
  up to one walk, while the phone still fills the hour the watch was charging. Events (a
  drink at 20:00) add up within their stream. Day statements (a daily total, or How We
  Feel's "steps so far" copied onto each check-in) are the same quantity seen at different
  times, so a stream's largest one counts. The day's value is the largest of the merged
  intervals, each event stream and each statement stream: different sources measuring the
  same thing are alternatives, not addends.
- MEAN metrics (heart rate, valence, arousal): the mean of every record that day.
- COUNT (check-ins): the number of mood labels that day.
- RATIO (distraction_ratio): the day's numerator metric over its denominator (metrics.RATIOS),
  on days where the denominator is above zero.
- SLEEP: sleep segments (in bed, asleep by stage, awake) from every device are clustered
  into episodes (gaps under an hour join). An episode belongs to the night of the local
  date on which it ends. Asleep time is the union of asleep segments (so phone and watch
  never double-count); with no asleep segment at all (old iPhone data), time in bed stands
  in. `sleep_start`/`sleep_end` are the longest episode's onset and wake-up in hours from
  local midnight of that date (23:30 is -0.5). Day statements of sleep (a "Sleep 7h 32m"
  cell) only fill nights that have no measured episode.
"""

from __future__ import annotations

import bisect
import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from brain.metrics import (
    MOOD_LABEL,
    RATIOS,
    SLEEP_ASLEEP,
    SLEEP_SEGMENTS,
    Aggregation,
    aggregation_of,
)

if TYPE_CHECKING:
    import pandas as pd

    Clock = float | pd.Series  # one value, or a column of them

EPISODE_GAP_SECONDS = 60 * 60


@dataclass(frozen=True, slots=True)
class RawRow:
    """The columns of a stored raw record that derivation needs."""

    source: str
    device: str
    metric: str
    day: date
    start_utc: int | None
    end_utc: int | None
    utc_offset_min: int | None
    value: float | None

    @property
    def stream(self) -> tuple[str, str]:
        return self.source, self.device


@dataclass(frozen=True, slots=True)
class DailyValue:
    day: date
    metric: str
    value: float
    n: int  # records that went into it


@dataclass(frozen=True, slots=True)
class SleepEpisode:
    night: date
    start_utc: int
    end_utc: int
    start_offset_min: int
    end_offset_min: int
    asleep_hours: float
    in_bed_hours: float
    is_main: bool
    n: int

    def clock_hours(self) -> tuple[float, float]:
        """Onset and wake-up as hours from local midnight of `night` (onset may be negative)."""
        midnight = calendar.timegm(self.night.timetuple())
        return (
            hours_from_midnight(self.start_utc, self.start_offset_min, midnight),
            hours_from_midnight(self.end_utc, self.end_offset_min, midnight),
        )


def hours_from_midnight(utc: Clock, offset_min: Clock, midnight_utc: Clock) -> Clock:
    """Local clock hours after a midnight given as a naive-local epoch: 23:30 the evening
    before is -0.5. Works on numbers and on pandas columns alike."""
    return (utc + offset_min * 60 - midnight_utc) / 3600


def derive(rows: Iterable[RawRow], days: set[date]) -> tuple[list[DailyValue], list[SleepEpisode]]:
    """Daily values and sleep episodes for `days` (rows may reach beyond them, for sleep)."""
    sleep_rows: list[RawRow] = []
    by_metric_day: dict[tuple[str, date], list[RawRow]] = defaultdict(list)
    for row in rows:
        if row.metric in SLEEP_SEGMENTS:
            sleep_rows.append(row)
        elif row.day in days:
            by_metric_day[row.metric, row.day].append(row)

    episodes = [e for e in sleep_episodes(sleep_rows) if e.night in days]
    values = _sleep_values(episodes)
    measured_nights = {e.night for e in episodes}
    for (metric, day), group in sorted(by_metric_day.items(), key=lambda item: item[0]):
        if metric == MOOD_LABEL:
            values.append(DailyValue(day, "checkins", float(len(group)), len(group)))
            continue
        numbers = [r for r in group if r.value is not None]
        if not numbers:
            continue
        aggregation = aggregation_of(metric)
        if aggregation is Aggregation.SUM:
            value = sum_without_double_counting(numbers)
        elif aggregation is Aggregation.SLEEP:
            if day in measured_nights:
                continue
            value = (max if metric.endswith("hours") else _mean)(r.value for r in numbers)
        else:
            value = _mean(r.value for r in numbers)
        values.append(DailyValue(day, metric, value, len(numbers)))
    values += _ratios(values)
    values.sort(key=lambda v: (v.day, v.metric))
    return values, episodes


def _ratios(values: list[DailyValue]) -> list[DailyValue]:
    """Each RATIOS metric from its parts, except on days a source stated it directly."""
    by_key = {(v.day, v.metric): v for v in values}
    ratios = []
    for ratio, (numerator, denominator) in RATIOS.items():
        for (day, metric), below in by_key.items():
            if metric != denominator or below.value <= 0 or (day, ratio) in by_key:
                continue
            above = by_key.get((day, numerator))
            share = above.value / below.value if above else 0.0
            ratios.append(DailyValue(day, ratio, share, below.n))
    return ratios


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)


def sum_without_double_counting(rows: list[RawRow]) -> float:
    """One day's amount from every source (see the module docstring)."""
    intervals: dict[tuple[str, str], list[RawRow]] = defaultdict(list)
    event_sums: dict[tuple[str, str], float] = defaultdict(float)
    statement_max: dict[tuple[str, str], float] = {}
    for row in rows:
        value = row.value or 0.0
        if row.start_utc is None:
            statement_max[row.stream] = max(statement_max.get(row.stream, value), value)
        elif row.end_utc is None or row.end_utc <= row.start_utc:
            event_sums[row.stream] += value
        else:
            intervals[row.stream].append(row)
    candidates = [*event_sums.values(), *statement_max.values()]
    if intervals:
        candidates.append(_merged_interval_total(intervals))
    return max(candidates)


def _merged_interval_total(streams: dict[tuple[str, str], list[RawRow]]) -> float:
    ranked = sorted(streams.items(), key=lambda kv: (-sum(r.value or 0.0 for r in kv[1]), kv[0]))
    covered = _IntervalSet()
    total = 0.0
    for _, stream_rows in ranked:
        for row in sorted(stream_rows, key=lambda r: (r.start_utc, r.end_utc)):
            start, end = row.start_utc, row.end_utc
            assert start is not None and end is not None
            fresh = (end - start) - covered.overlap(start, end)
            total += (row.value or 0.0) * fresh / (end - start)
            covered.add(start, end)
    return total


class _IntervalSet:
    """Disjoint, sorted half-open intervals with overlap queries and merging inserts."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlap(self, start: int, end: int) -> int:
        i = bisect.bisect_right(self.ends, start)
        covered = 0
        while i < len(self.starts) and self.starts[i] < end:
            covered += min(end, self.ends[i]) - max(start, self.starts[i])
            i += 1
        return covered

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self.ends, start)
        j = i
        while j < len(self.starts) and self.starts[j] <= end:
            start = min(start, self.starts[j])
            end = max(end, self.ends[j])
            j += 1
        self.starts[i:j] = [start]
        self.ends[i:j] = [end]

    @property
    def length(self) -> int:
        return sum(e - s for s, e in zip(self.starts, self.ends, strict=True))


def sleep_episodes(rows: list[RawRow]) -> list[SleepEpisode]:
    """Cluster sleep segments from every device into episodes (see the module docstring)."""
    segments = sorted(
        (
            r
            for r in rows
            if r.start_utc is not None and r.end_utc is not None and r.end_utc > r.start_utc
        ),
        key=lambda r: (r.start_utc, r.end_utc),
    )
    clusters: list[list[RawRow]] = []
    cluster_end = None
    for row in segments:
        if cluster_end is None or row.start_utc > cluster_end + EPISODE_GAP_SECONDS:
            clusters.append([])
            cluster_end = row.end_utc
        clusters[-1].append(row)
        cluster_end = max(cluster_end, row.end_utc)
    episodes = [_episode(cluster) for cluster in clusters]
    longest: dict[date, SleepEpisode] = {}
    for episode in episodes:
        best = longest.get(episode.night)
        if best is None or episode.asleep_hours > best.asleep_hours:
            longest[episode.night] = episode
    return [replace(e, is_main=longest[e.night] is e) for e in episodes]


def _episode(cluster: list[RawRow]) -> SleepEpisode:
    in_bed = _IntervalSet()
    asleep = _IntervalSet()
    for row in cluster:
        in_bed.add(row.start_utc, row.end_utc)
        if row.metric == SLEEP_ASLEEP:
            asleep.add(row.start_utc, row.end_utc)
    asleep_rows = [r for r in cluster if r.metric == SLEEP_ASLEEP] or cluster
    first = min(asleep_rows, key=lambda r: r.start_utc)
    last = max(asleep_rows, key=lambda r: r.end_utc)
    asleep_seconds = asleep.length if asleep.starts else in_bed.length
    end_offset = last.utc_offset_min or 0
    night = datetime.fromtimestamp(last.end_utc + end_offset * 60, UTC).date()
    return SleepEpisode(
        night=night,
        start_utc=first.start_utc,
        end_utc=last.end_utc,
        start_offset_min=first.utc_offset_min or 0,
        end_offset_min=end_offset,
        asleep_hours=asleep_seconds / 3600,
        in_bed_hours=in_bed.length / 3600,
        is_main=False,
        n=len(cluster),
    )


def _sleep_values(episodes: list[SleepEpisode]) -> list[DailyValue]:
    by_night: dict[date, list[SleepEpisode]] = defaultdict(list)
    for episode in episodes:
        by_night[episode.night].append(episode)
    values = []
    for night, group in by_night.items():
        main = next(e for e in group if e.is_main)
        onset, wake = main.clock_hours()
        n = sum(e.n for e in group)
        values += [
            DailyValue(night, "sleep_hours", sum(e.asleep_hours for e in group), n),
            DailyValue(night, "time_in_bed_hours", sum(e.in_bed_hours for e in group), n),
            DailyValue(night, "sleep_start", onset, main.n),
            DailyValue(night, "sleep_end", wake, main.n),
        ]
    return values
