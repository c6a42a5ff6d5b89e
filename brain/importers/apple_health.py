"""Apple Health `export.xml`, or the `export.zip` around it, streamed record by record.

Real exports run to gigabytes, so the tree is never held: lxml's iterparse hands over one
`<Record>` at a time and everything already read is cut off the tree. Phone and watch
samples are kept as they are (intervals with their device); brain.timeline.derive makes
sure overlapping samples are not counted twice.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, ClassVar

from lxml import etree

from brain import affect
from brain.errors import ImportFailed
from brain.importers.base import (
    FileSample,
    ImportContext,
    Parsed,
    Record,
    Rejection,
    UnknownLabel,
)
from brain.metrics import MOOD_LABEL, SLEEP_ASLEEP, SLEEP_AWAKE, SLEEP_IN_BED

# HealthKit type -> (metric, unit we store, factor from the export's unit)
_QUANTITIES: dict[str, tuple[str, str]] = {
    "HKQuantityTypeIdentifierStepCount": ("steps", "count"),
    "HKQuantityTypeIdentifierHeartRate": ("heart_rate", "bpm"),
    "HKQuantityTypeIdentifierRestingHeartRate": ("resting_hr", "bpm"),
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": ("hrv_sdnn_ms", "ms"),
    "HKQuantityTypeIdentifierAppleExerciseTime": ("exercise_minutes", "min"),
    "HKQuantityTypeIdentifierDietaryCaffeine": ("caffeine_mg", "mg"),
    "HKQuantityTypeIdentifierNumberOfAlcoholicBeverages": ("alcohol_drinks", "drinks"),
}
_UNIT_FACTORS = {
    ("caffeine_mg", "g"): 1000.0,
    ("exercise_minutes", "hr"): 60.0,
    ("exercise_minutes", "s"): 1 / 60,
}
_SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
_MINDFUL = "HKCategoryTypeIdentifierMindfulSession"
_STATE_OF_MIND = frozenset({"HKDataTypeStateOfMind", "HKStateOfMind"})
_WANTED = frozenset({*_QUANTITIES, _SLEEP, _MINDFUL, *_STATE_OF_MIND})
_FORGET_EVERY = 1024  # records between cuts of the tree: cheap, and memory stays bounded
_SLEEP_VALUES: dict[str, tuple[str, str]] = {
    "HKCategoryValueSleepAnalysisInBed": (SLEEP_IN_BED, "in_bed"),
    "HKCategoryValueSleepAnalysisAsleepUnspecified": (SLEEP_ASLEEP, "unspecified"),
    "HKCategoryValueSleepAnalysisAsleep": (SLEEP_ASLEEP, "unspecified"),  # before watchOS 9
    "HKCategoryValueSleepAnalysisAsleepCore": (SLEEP_ASLEEP, "core"),
    "HKCategoryValueSleepAnalysisAsleepDeep": (SLEEP_ASLEEP, "deep"),
    "HKCategoryValueSleepAnalysisAsleepREM": (SLEEP_ASLEEP, "rem"),
    "HKCategoryValueSleepAnalysisAwake": (SLEEP_AWAKE, "awake"),
}


def parse_apple_datetime(text: str | None) -> datetime:
    """`2026-05-17 07:03:00 +0200` -> an aware datetime (the fast path for millions of rows)."""
    if text is None:
        raise ValueError("a start or end date is missing")
    if len(text) == 25 and text[19] == " ":
        return datetime.fromisoformat(text[:19] + text[20:])
    return datetime.fromisoformat(text)


class AppleHealthImporter:
    name: ClassVar[str] = "apple_health"
    description: ClassVar[str] = "Apple Health export.xml, or the export.zip around it"

    def sniff(self, sample: FileSample) -> bool:
        if sample.zip_names:
            return _export_member(sample.zip_names) is not None
        head = sample.text_head
        return "<HealthData" in head or ("<?xml" in head and "HealthKit" in head)

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        with path.open("rb") as f:
            is_zip = f.read(4) == b"PK\x03\x04"
        if is_zip:
            try:
                with ctx.open(path) as file, zipfile.ZipFile(file) as archive:
                    member = _export_member(tuple(archive.namelist()))
                    if member is None:
                        raise ImportFailed(f"{path.name} holds no apple_health_export/export.xml")
                    with archive.open(member) as stream:
                        yield from self._records(stream, f"{path.name}:{member}")
            except (zipfile.BadZipFile, zlib.error, EOFError) as e:
                raise ImportFailed(
                    f"{path.name} is a damaged or truncated zip archive: {e}"
                ) from None
        else:
            with ctx.open(path) as stream:
                yield from self._records(stream, path.name)

    def _records(self, stream: IO[bytes], label: str) -> Iterator[Parsed]:
        events = etree.iterparse(
            stream,
            events=("end",),
            tag="Record",
            huge_tree=True,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
        )
        n = 0
        try:
            for _, element in events:
                n += 1
                kind = element.get("type")
                if kind in _WANTED:
                    try:
                        yield from _record(element, kind, f"record {n}")
                    except (ValueError, KeyError, TypeError) as e:
                        where = f"record {n} (line {element.sourceline})"
                        yield Rejection(where, f"unreadable: {e}", "bad_record")
                element.clear()
                if n % _FORGET_EVERY == 0:
                    _forget_before(element)
        except etree.XMLSyntaxError as e:
            raise ImportFailed(
                f"{label} is malformed or truncated XML (line {e.lineno}): {e.msg}"
            ) from None
        if n == 0:
            raise ImportFailed(f"{label} holds no <Record> elements: not an Apple Health export")


def _export_member(names: tuple[str, ...]) -> str | None:
    candidates = [n for n in names if n.rsplit("/", 1)[-1] == "export.xml"]
    return min(candidates, key=len) if candidates else None


def _forget_before(element: etree._Element) -> None:
    """Cut everything already read off the tree, so memory stays flat on huge files."""
    parent = element.getparent()
    if parent is not None:
        del parent[: parent.index(element)]


def _record(element: etree._Element, kind: str, where: str) -> Sequence[Parsed]:
    """What one <Record> says (a tuple, not a generator: this runs millions of times)."""
    get = element.get
    start = parse_apple_datetime(get("startDate"))
    end = parse_apple_datetime(get("endDate"))
    if end < start:
        return (Rejection(where, f"endDate {end} is before startDate {start}", "bad_record"),)
    device = get("sourceName", "")
    quantity = _QUANTITIES.get(kind)
    if quantity is not None:
        metric, unit = quantity
        value = float(get("value")) * _UNIT_FACTORS.get((metric, get("unit")), 1.0)
        return (Record(metric, start.date(), value, unit, None, start, end, device, where),)
    if kind == _SLEEP:
        metric, stage = _SLEEP_VALUES[get("value")]
        hours = (end - start).total_seconds() / 3600
        return (Record(metric, end.date(), hours, "h", stage, start, end, device, where),)
    if kind == _MINDFUL:
        minutes = (end - start).total_seconds() / 60
        return (
            Record(
                "mindful_minutes", start.date(), minutes, "min", None, start, end, device, where
            ),
        )
    return tuple(_state_of_mind(element, start, device, where))


def _state_of_mind(
    element: etree._Element, at: datetime, device: str, where: str
) -> Iterator[Parsed]:
    """iOS 18 State of Mind: a valence in [-1, 1] and emotion labels (arousal from the labels)."""
    metadata = {m.get("key", ""): m.get("value", "") for m in element.iter("MetadataEntry")}
    valence_text = element.get("value") or next(
        (v for k, v in metadata.items() if "valence" in k.lower()), ""
    )
    labels = [
        label.strip()
        for key, value in metadata.items()
        if "label" in key.lower()
        for label in value.split(",")
        if label.strip()
    ]
    emotions = [e for e in map(affect.lookup, labels) if e is not None]
    for label in labels:
        if affect.lookup(label) is None:
            yield UnknownLabel(label, where)
    if valence_text:
        valence: float | None = float(valence_text)
    else:
        valence = sum(e.valence for e in emotions) / len(emotions) if emotions else None
    if valence is None and not labels:
        return
    label_text = ", ".join(labels) or "state of mind"  # one entry is one check-in
    yield Record(MOOD_LABEL, at.date(), text=label_text, start=at, device=device, where=where)
    if valence is not None:
        yield Record("valence", at.date(), valence, "score", start=at, device=device, where=where)
    if emotions:
        arousal = sum(e.arousal for e in emotions) / len(emotions)
        yield Record("arousal", at.date(), arousal, "score", start=at, device=device, where=where)
