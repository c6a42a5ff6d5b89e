"""Write a simulated life-log in the real export formats the importers read.

Four files, byte-identical for the same seed: a How We Feel CSV, an Apple Health `export.xml`,
a Spotify extended streaming history and a generic wearable daily CSV (brain.demo.lifelog
adds three more). Each file keeps the quirks of the real thing (overlapping step sources,
watchOS sleep values old and new, local times without zones, cumulative "so far" values) so
that importers are tested on them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from brain.demo.lifelog import write_lifelog
from brain.demo.params import TZ
from brain.demo.records import DemoTruth, HrvReading, SleepSegment, SleepStage, Span
from brain.demo.scm import simulate

HWF_HEADER = (
    "Date",
    "Mood",
    "Tags (People)",
    "Tags (Places)",
    "Tags (Events)",
    "Exercise",
    "Sleep",
    "Steps",
    "Meditation",
    "Weather",
    "Caffeine (mg)",
    "Alcoholic Drinks",
    "Notes",
    "Reflections",
)
WEARABLE_HEADER = ("Date", "Hours At Home", "Hours At Work", "Screen Time (min)", "Readiness Score")

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def generate(
    outdir: Path,
    *,
    days: int = 730,
    seed: int = 7,
    end: date = date(2026, 10, 31),
    lifelog: bool = False,
) -> list[Path]:
    """Simulate Alex and write the four export files into `outdir`, and with `lifelog` the
    browser history, bank export and air-quality file too (brain.demo.lifelog); returns
    their paths."""
    truth = simulate(days=days, seed=seed, end=end)
    first = truth.daily.index[0].date()
    years = f"{first.year}-{end.year}" if first.year != end.year else f"{end.year}"
    paths = [
        outdir / "how_we_feel.csv",
        outdir / "apple_health_export" / "export.xml",
        outdir / "spotify" / f"Streaming_History_Audio_{years}_0.json",
        outdir / "wearable_daily.csv",
    ]
    writers = (write_how_we_feel, write_apple_health, write_spotify, write_wearable)
    for path, writer in zip(paths, writers, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        writer(truth, path)
    if lifelog:
        paths += write_lifelog(truth, outdir, seed)
    return paths


# --- How We Feel -------------------------------------------------------------------------


class _Running:
    """Running totals of a timed stream, so "so far today" is a difference of two lookups."""

    def __init__(self, times: Sequence[int], values: Sequence[float]) -> None:
        order = np.argsort(np.asarray(times, dtype=np.int64), kind="stable")
        self._times = np.asarray(times, dtype=np.int64)[order]
        self._totals = np.concatenate([[0.0], np.cumsum(np.asarray(values, dtype=float)[order])])

    def between(self, low: int, high: int) -> float:
        """Sum of values whose time t satisfies low < t <= high.

        Open at `low` so a span ending exactly at midnight stays with the day before.
        """
        first = np.searchsorted(self._times, low, side="right")
        last = np.searchsorted(self._times, high, side="right")
        return float(self._totals[last] - self._totals[first])


def write_how_we_feel(truth: DemoTruth, path: Path) -> None:
    """One row per check-in, newest first, with the Health values known at that minute."""
    steps = _Running([s.end for s in truth.steps], [s.value for s in truth.steps])
    exercise = _Running([s.end for s in truth.exercise], [s.value for s in truth.exercise])
    mindful = _Running([s.end for s in truth.mindful], [s.value for s in truth.mindful])
    caffeine = _Running([s.start for s in truth.caffeine], [s.value for s in truth.caffeine])
    drinks = _Running([s.start for s in truth.drinks], [s.value for s in truth.drinks])
    asleep = {night.night: _asleep_seconds(night.segments) for night in truth.sleep}
    weather = {
        day.date(): f"{sky}, {temperature}°C"
        for day, sky, temperature in truth.daily[["weather", "temperature_c"]].itertuples()
    }
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(HWF_HEADER)
        for checkin in sorted(truth.checkins, key=lambda c: c.at, reverse=True):
            midnight = _local_midnight(checkin.day)
            out.writerow(
                (
                    _hwf_date(datetime.fromtimestamp(checkin.at, TZ)),
                    checkin.word.title(),
                    ";".join(checkin.people),
                    ";".join(checkin.places),
                    ";".join(checkin.events),
                    _blank_if_zero(exercise.between(midnight, checkin.at)),
                    _duration(asleep[checkin.day]),
                    int(steps.between(midnight, checkin.at)),
                    _blank_if_zero(mindful.between(midnight, checkin.at)),
                    weather[checkin.day],
                    int(caffeine.between(midnight, checkin.at)),
                    int(drinks.between(midnight, checkin.at)),
                    checkin.note,
                    checkin.reflection,
                )
            )


def _hwf_date(local: datetime) -> str:
    """How We Feel's export date, e.g. `2026 Sun May 17 3:39 PM` (locale-independent)."""
    hour = local.hour % 12 or 12
    meridiem = "AM" if local.hour < 12 else "PM"
    weekday, month = _WEEKDAYS[local.weekday()], _MONTHS[local.month - 1]
    return f"{local.year} {weekday} {month} {local.day} {hour}:{local.minute:02d} {meridiem}"


def _duration(seconds: int) -> str:
    """Hours asleep as How We Feel shows them, e.g. `7h 32m`."""
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours}h {minutes}m"


def _blank_if_zero(value: float) -> str:
    """An integer, or blank where the app shows no data."""
    return str(int(value)) if value else ""


# --- Apple Health ------------------------------------------------------------------------

_DTD = """<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,Record*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth                 CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex               CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBloodType                   CDATA #REQUIRED
  HKCharacteristicTypeIdentifierFitzpatrickSkinType         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
]>
"""

_ME = (
    ' <Me HKCharacteristicTypeIdentifierDateOfBirth="1992-04-12"'
    ' HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexNotSet"'
    ' HKCharacteristicTypeIdentifierBloodType="HKBloodTypeNotSet"'
    ' HKCharacteristicTypeIdentifierFitzpatrickSkinType="HKFitzpatrickSkinTypeNotSet"'
    ' HKCharacteristicTypeIdentifierCardioFitnessMedicationsUse="None"/>\n'
)

_SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
_SLEEP_VALUES: dict[SleepStage, str] = {
    "core": "HKCategoryValueSleepAnalysisAsleepCore",
    "deep": "HKCategoryValueSleepAnalysisAsleepDeep",
    "rem": "HKCategoryValueSleepAnalysisAsleepREM",
    "asleep": "HKCategoryValueSleepAnalysisAsleep",
    "awake": "HKCategoryValueSleepAnalysisAwake",
}


@dataclass(frozen=True, slots=True)
class _Source:
    """The `sourceName`, `sourceVersion` and escaped `device` attributes of one writer."""

    name: str
    version: str
    device: str = ""

    def attributes(self) -> str:
        device = f' device="{self.device}"' if self.device else ""
        return f'sourceName="{self.name}" sourceVersion="{self.version}"{device}'


def _hk_device(address: str, name: str, model: str, hardware: str, software: str) -> str:
    """HealthKit's device description, already XML-escaped as exports carry it."""
    return (
        f"&lt;&lt;HKDevice: {address}&gt;, name:{name}, manufacturer:Apple Inc., "
        f"model:{model}, hardware:{hardware}, software:{software}&gt;"
    )


_WATCH_OLD = _Source(
    "Alex’s Apple Watch",
    "8.7.1",
    _hk_device("0x283a3c1e0", "Apple Watch", "Watch", "Watch6,1", "8.7.1"),
)
_WATCH = _Source(
    "Alex’s Apple Watch",
    "10.1",
    _hk_device("0x281f8d0a0", "Apple Watch", "Watch", "Watch6,1", "10.1"),
)
_PHONE = _Source(
    "Alex’s iPhone", "17.1", _hk_device("0x2829d2440", "iPhone", "iPhone", "iPhone14,2", "17.1")
)
_MANUAL = _Source("Health", "17.1")
_USER_ENTERED = ('  <MetadataEntry key="HKWasUserEntered" value="1"/>\n',)
_MOTION_CONTEXT = ('  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n',)


def write_apple_health(truth: DemoTruth, path: Path) -> None:
    """Stream `export.xml` record by record, grouped by type and sorted by start as Apple does."""
    first = truth.daily.index[0].date()
    upgrade = _local_noon(first + timedelta(days=truth.params.legacy_sleep_days - 1))
    watch = _WatchClock(upgrade)
    exported = _local_noon(truth.daily.index[-1].date() + timedelta(days=1)) - 3 * 3600
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(_DTD)
        out.write('<HealthData locale="en_US">\n')
        out.write(f' <ExportDate value="{_apple_date(exported)}"/>\n')
        out.write(_ME)
        for line in _records(truth, watch):
            out.write(line)
        out.write("</HealthData>\n")


@dataclass(frozen=True, slots=True)
class _WatchClock:
    """Which watchOS wrote a record: the update to staged sleep happens at `upgrade`."""

    upgrade: int

    def source(self, start: int) -> _Source:
        """The watch source as of `start`."""
        return _WATCH_OLD if start < self.upgrade else _WATCH


def _records(truth: DemoTruth, watch: _WatchClock) -> Iterator[str]:
    """Every Record element, type after type."""
    yield from _steps(truth, watch)
    for span in truth.heart_rate:
        yield _record(
            "HKQuantityTypeIdentifierHeartRate",
            watch.source(span.start),
            span,
            "count/min",
            children=_MOTION_CONTEXT,
        )
    for span in truth.resting_hr:
        yield _record(
            "HKQuantityTypeIdentifierRestingHeartRate", watch.source(span.start), span, "count/min"
        )
    for reading in truth.hrv:
        yield _hrv_record(reading, watch.source(reading.start))
    for span in truth.exercise:
        yield _record(
            "HKQuantityTypeIdentifierAppleExerciseTime", watch.source(span.start), span, "min"
        )
    for span in truth.caffeine:
        yield _record(
            "HKQuantityTypeIdentifierDietaryCaffeine", _MANUAL, span, "mg", children=_USER_ENTERED
        )
    for span in truth.drinks:
        yield _record(
            "HKQuantityTypeIdentifierNumberOfAlcoholicBeverages",
            _MANUAL,
            span,
            "count",
            children=_USER_ENTERED,
        )
    yield from _sleep(truth, watch)
    for span in truth.mindful:
        yield _record(
            "HKCategoryTypeIdentifierMindfulSession",
            watch.source(span.start),
            span,
            value="HKCategoryValueNotApplicable",
        )


def _steps(truth: DemoTruth, watch: _WatchClock) -> Iterator[str]:
    """Steps from both devices: watch quarter hours (not while charging), phone full hours.

    Both count the same walking, so the day's truth is the watch's records plus the phone's
    record for the charging hour; summing both sources naively roughly doubles it.
    """
    charging = truth.params.watch_charging_hour
    hourly: dict[int, int] = {}
    samples: list[tuple[int, int, _Source, Span]] = []
    for slot in truth.steps:
        hour = slot.start - slot.start % 3600  # Berlin offsets are whole hours
        hourly[hour] = hourly.get(hour, 0) + int(slot.value)
        if datetime.fromtimestamp(slot.start, TZ).hour != charging:
            samples.append((slot.start, 0, watch.source(slot.start), slot))
    for hour, count in hourly.items():
        samples.append((hour, 1, _PHONE, Span(hour, hour + 3600, count)))
    for _, _, source, span in sorted(samples, key=lambda sample: sample[:2]):
        yield _record("HKQuantityTypeIdentifierStepCount", source, span, "count")


def _sleep(truth: DemoTruth, watch: _WatchClock) -> Iterator[str]:
    """Per night: the phone's in-bed interval, then the watch's contiguous stage segments."""
    for night in truth.sleep:
        in_bed = Span(night.in_bed_start, night.in_bed_end, 1)
        yield _record(_SLEEP, _PHONE, in_bed, value="HKCategoryValueSleepAnalysisInBed")
        for segment in night.segments:
            span = Span(segment.start, segment.end, 1)
            source = watch.source(segment.start)
            yield _record(_SLEEP, source, span, value=_SLEEP_VALUES[segment.stage])


def _record(
    kind: str,
    source: _Source,
    span: Span,
    unit: str = "",
    *,
    value: str = "",
    children: Iterable[str] = (),
) -> str:
    """One `Record` element, attributes in the order real exports use.

    `value` overrides the span's number for category samples (e.g. a sleep stage).
    """
    unit_attribute = f' unit="{unit}"' if unit else ""
    head = (
        f' <Record type="{kind}" {source.attributes()}{unit_attribute}'
        f' creationDate="{_apple_date(_created(span))}" startDate="{_apple_date(span.start)}"'
        f' endDate="{_apple_date(span.end)}" value="{value or span.value}"'
    )
    body = "".join(children)
    return f"{head}>\n{body} </Record>\n" if body else f"{head}/>\n"


def _hrv_record(reading: HrvReading, source: _Source) -> str:
    """An SDNN record with the instantaneous heart rates behind it."""
    beats = "".join(
        f'    <InstantaneousBeatsPerMinute bpm="{bpm}" time="{_beat_time(reading.start, ms)}"/>\n'
        for ms, bpm in reading.beats
    )
    children = (
        f"  <HeartRateVariabilityMetadataList>\n{beats}  </HeartRateVariabilityMetadataList>\n",
    )
    span = Span(reading.start, reading.end, reading.value)
    return _record(
        "HKQuantityTypeIdentifierHeartRateVariabilitySDNN", source, span, "ms", children=children
    )


def _beat_time(start: int, offset_ms: int) -> str:
    """Beat time as the export writes it, e.g. `7:03:01.12 AM` (local, centiseconds)."""
    seconds, ms = divmod(offset_ms, 1000)
    local = datetime.fromtimestamp(start + seconds, TZ)
    hour = local.hour % 12 or 12
    meridiem = "AM" if local.hour < 12 else "PM"
    return f"{hour}:{local.minute:02d}:{local.second:02d}.{ms // 10:02d} {meridiem}"


def _created(span: Span) -> int:
    """A deterministic sync delay of one to ten minutes after the sample ends."""
    return span.end + 60 + span.start % 541


def _apple_date(ts: int) -> str:
    """Apple Health's date format with the local offset of that instant."""
    return datetime.fromtimestamp(ts, TZ).strftime("%Y-%m-%d %H:%M:%S %z")


# --- Spotify -----------------------------------------------------------------------------


def write_spotify(truth: DemoTruth, path: Path) -> None:
    """Extended streaming history: a JSON array, one play per line, oldest first."""
    lines = []
    for play in sorted(truth.plays, key=lambda p: p.end):
        track = truth.tracks[play.track]
        record = {
            "ts": datetime.fromtimestamp(play.end, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "platform": play.platform,
            "ms_played": play.ms_played,
            "conn_country": "DE",
            "ip_addr": play.ip_addr,
            "master_metadata_track_name": track.name,
            "master_metadata_album_artist_name": track.artist,
            "master_metadata_album_album_name": track.album,
            "spotify_track_uri": track.uri,
            "episode_name": None,
            "episode_show_name": None,
            "spotify_episode_uri": None,
            "reason_start": play.reason_start,
            "reason_end": play.reason_end,
            "shuffle": play.shuffle,
            "skipped": play.skipped,
            "offline": False,
            "offline_timestamp": play.end * 1000 - play.ms_played,
            "incognito_mode": False,
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


# --- Wearable daily CSV ------------------------------------------------------------------


def write_wearable(truth: DemoTruth, path: Path) -> None:
    """A generic wide daily CSV; days the device did not sync are absent."""
    columns = ["hours_at_home", "hours_at_work", "screen_time_min", "readiness"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(WEARABLE_HEADER)
        for day, row in truth.daily[columns].dropna().iterrows():
            out.writerow(
                (
                    day.date().isoformat(),
                    f"{row['hours_at_home']:.1f}",
                    f"{row['hours_at_work']:.1f}",
                    f"{row['screen_time_min']:.1f}",
                    int(row["readiness"]),
                )
            )


# --- Shared ------------------------------------------------------------------------------


def _asleep_seconds(segments: Iterable[SleepSegment]) -> int:
    """Seconds asleep in a night: every segment that is not awake."""
    return sum(s.end - s.start for s in segments if s.stage != "awake")


def _local_midnight(day: date) -> int:
    """Epoch seconds of the local midnight that starts `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=TZ).timestamp())


def _local_noon(day: date) -> int:
    """Epoch seconds of local noon on `day`."""
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=TZ).timestamp())
