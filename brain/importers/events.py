"""Events from a client app: mood check-ins, measurements and journal entries, as JSON.

A batch looks like this (every `at` may carry an offset; without one it is in the person's
time zone; a UTC timestamp is placed on the person's local date, as other importers do):

    {"events": [
      {"kind": "checkin", "at": "2026-05-17T08:30:00+02:00", "mood": "calm",
       "note": "Slept well, quiet breakfast.", "tags": ["family"]},
      {"kind": "checkin", "at": "2026-05-17T21:10:00", "valence": -0.4, "arousal": 0.6},
      {"kind": "measurement", "metric": "steps", "value": 8042, "day": "2026-05-17"},
      {"kind": "measurement", "metric": "caffeine_mg", "value": 0.2, "unit": "g",
       "at": "2026-05-17T09:00:00+02:00"},
      {"kind": "measurement", "metric": "exercise_minutes", "value": 0.75, "unit": "h",
       "start": "2026-05-17T18:00:00+02:00", "end": "2026-05-17T18:45:00+02:00"},
      {"kind": "journal", "at": "2026-05-17T22:00:00+02:00", "text": "A good day."}
    ]}

The pydantic models check the shape (a malformed batch is a ValidationError, for the caller
to report); what needs the store's vocabulary is judged per event and comes back as a
rejection at `events[i]`, as a bad row of a file does: an unknown metric, a unit that does
not convert, a date in the future, an absurd value. Every event becomes ordinary records
(source "events"), so posting the same batch twice adds nothing.

- A check-in's mood word is placed on the circumplex by brain.affect's lexicon, as How We
  Feel's words are; explicit `valence`/`arousal` take precedence. A word the lexicon does not
  know is kept and reported in the summary's `unknown_labels`. A check-in with numbers but
  no word is labelled "check-in" (it still counts as one), and its note is a `note` record,
  which memories read.
- A measurement is a day statement (`day`), an instant (`at`) or an interval (`start` and
  `end`), in the metric's canonical unit unless `unit` names one that converts.
- A journal entry is a `journal` record, which memories read as a journal entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from brain import affect
from brain.errors import ImportFailed
from brain.importers.base import FileSample, ImportContext, Parsed, Record, Rejection, UnknownLabel
from brain.metrics import CANONICAL, MOOD_LABEL, Aggregation, canonical_name

FORMAT = "events"
DEVICE = "EQM"
MAX_EVENTS = 10_000
MAX_TEXT_CHARS = 10_000
CHECKIN_LABEL = "check-in"  # the label of a check-in that gives numbers but no mood word
TAG_METRIC = "tag_checkin"
NOTE_METRIC = "note"
JOURNAL_METRIC = "journal"
# daily metrics that only check-ins feed: a measurement of them would bypass the check-in
_FROM_CHECKINS = frozenset({"valence", "arousal", "checkins"})


def _no_blank(text: str | None) -> str | None:
    """Surrounding whitespace dropped; a blank text is no text."""
    if text is None:
        return None
    return text.strip() or None


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("the text is empty")
    return text.strip()


Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Note = Annotated[str | None, Field(max_length=MAX_TEXT_CHARS), AfterValidator(_no_blank)]
Score = Annotated[float | None, Field(ge=-1, le=1, allow_inf_nan=False)]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckIn(_Event):
    """A mood check-in: a word, a point on the circumplex, or both, and maybe a note."""

    kind: Literal["checkin"] = "checkin"
    at: datetime = Field(description="When; without an offset, in the person's time zone.")
    mood: Word | None = Field(None, description="A mood word, e.g. 'calm' or 'anxious'.")
    valence: Score = Field(None, description="Unpleasant (-1) to pleasant (1).")
    arousal: Score = Field(None, description="Low (-1) to high (1) energy.")
    note: Note = Field(None, description="What the person wrote; memories read it.")
    tags: list[Word] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _says_something(self) -> CheckIn:
        if self.mood is None and self.valence is None and self.arousal is None and not self.note:
            raise ValueError("a check-in needs a mood, a valence, an arousal or a note")
        return self


class Measurement(_Event):
    """One value of a canonical metric, for a day, at an instant, or over an interval."""

    kind: Literal["measurement"] = "measurement"
    metric: str = Field(min_length=1, max_length=100, description="A canonical metric name.")
    value: float
    unit: str | None = Field(None, max_length=32, description="Default: the metric's unit.")
    day: date | None = Field(None, description="A statement about the whole day.")
    at: datetime | None = Field(None, description="An instant (a drink, a reading).")
    start: datetime | None = Field(None, description="The start of an interval.")
    end: datetime | None = Field(None, description="The end of an interval.")

    @model_validator(mode="after")
    def _one_shape(self) -> Measurement:
        shapes = [self.day is not None, self.at is not None, self.start is not None]
        if sum(shapes) != 1:
            raise ValueError("a measurement needs exactly one of: day, at, or start and end")
        if (self.start is None) != (self.end is None):
            raise ValueError("an interval needs both start and end (use at for an instant)")
        if self.start is not None and self.end is not None:
            if (self.start.tzinfo is None) != (self.end.tzinfo is None):
                raise ValueError("start and end must both have a UTC offset, or neither")
            if self.end <= self.start:
                raise ValueError("end must be after start")
        return self


class JournalEntry(_Event):
    """A journal entry: the person's own words, which memories read."""

    kind: Literal["journal"] = "journal"
    at: datetime = Field(description="When; without an offset, in the person's time zone.")
    text: Annotated[str, Field(max_length=MAX_TEXT_CHARS), AfterValidator(_not_blank)]


Event = Annotated[CheckIn | Measurement | JournalEntry, Field(discriminator="kind")]


class EventBatch(BaseModel):
    """What a client app posts: up to MAX_EVENTS events, in any order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    events: list[Event] = Field(min_length=1, max_length=MAX_EVENTS)

    def canonical_bytes(self) -> bytes:
        """The batch as JSON in one fixed form: what the imports table hashes."""
        return self.model_dump_json().encode()


# canonical unit -> unit as written (lower case) -> factor into the canonical unit
_HOURS = {"h": 1.0, "hr": 1.0, "hrs": 1.0, "hour": 1.0, "hours": 1.0}
_MINUTES = {"min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0}
_SECONDS = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0}
_CONVERSIONS: dict[str, dict[str, float]] = {
    "h": {**_HOURS, **{u: 1 / 60 for u in _MINUTES}, **{u: 1 / 3600 for u in _SECONDS}},
    "min": {**_MINUTES, **{u: 60.0 for u in _HOURS}, **{u: 1 / 60 for u in _SECONDS}},
    "mg": {"mg": 1.0, "g": 1000.0, "mcg": 0.001, "µg": 0.001},
    "ms": {"ms": 1.0, **{u: 1000.0 for u in _SECONDS}},
    "km": {"km": 1.0, "m": 0.001, "mi": 1.609344, "mile": 1.609344, "miles": 1.609344},
    "bpm": {"bpm": 1.0, "count/min": 1.0, "beats/min": 1.0},
    "count": {"count": 1.0},
    "drinks": {"drinks": 1.0, "drink": 1.0, "count": 1.0},
    "share": {"share": 1.0, "fraction": 1.0, "%": 0.01},
}


def convert(metric: str, value: float, unit: str | None) -> float | None:
    """`value` in `metric`'s canonical unit, or None when `unit` does not convert to it."""
    canonical = CANONICAL[metric].unit
    if unit is None or unit.strip().lower() == canonical.lower():
        return value
    factor = _CONVERSIONS.get(canonical, {}).get(unit.strip().lower())
    return None if factor is None else value * factor


def _local(moment: datetime, ctx: ImportContext) -> datetime:
    """Naive: in the person's time zone. UTC: moved into it (to find the local day). Any
    other offset is where the person was, and stays."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=ctx.tz)
    return moment.astimezone(ctx.tz) if not moment.utcoffset() else moment


def _checkin(event: CheckIn, ctx: ImportContext, where: str) -> Iterator[Parsed]:
    at = _local(event.at, ctx)
    day = at.date()
    emotion = affect.lookup(event.mood) if event.mood else None
    if event.mood and emotion is None:
        yield UnknownLabel(event.mood, where)
    valence, arousal = event.valence, event.arousal  # the person's own numbers come first
    if emotion is not None:
        valence = emotion.valence if valence is None else valence
        arousal = emotion.arousal if arousal is None else arousal
    label = event.mood or (CHECKIN_LABEL if valence is not None or arousal is not None else None)
    if label:
        yield Record(MOOD_LABEL, day, text=label, start=at, device=DEVICE, where=where)
    for metric, value in (("valence", valence), ("arousal", arousal)):
        if value is not None:
            yield Record(metric, day, value, "score", start=at, device=DEVICE, where=where)
    if event.note:
        yield Record(NOTE_METRIC, day, text=event.note, start=at, device=DEVICE, where=where)
    for tag in dict.fromkeys(event.tags):  # each tag once, in the order given
        yield Record(TAG_METRIC, day, text=tag, start=at, device=DEVICE, where=where)


def _measurement(event: Measurement, ctx: ImportContext, where: str) -> Parsed:
    metric = canonical_name(event.metric)
    if metric not in CANONICAL:
        known = ", ".join(name for name in CANONICAL if name not in _FROM_CHECKINS)
        return Rejection(
            where, f"unknown metric {event.metric!r}; EQM knows: {known}", "unknown_metric"
        )
    if metric in _FROM_CHECKINS:
        return Rejection(
            where, f"{metric} comes from mood check-ins: post a check-in instead", "not_measured"
        )
    value = convert(metric, event.value, event.unit)
    if value is None:
        canonical = CANONICAL[metric].unit
        accepted = ", ".join(_CONVERSIONS.get(canonical, {canonical: 1.0}))
        return Rejection(
            where,
            f"{metric}: unit {event.unit!r} does not convert to {canonical} (use one of: "
            f"{accepted})",
            "bad_unit",
        )
    unit = CANONICAL[metric].unit
    if event.day is not None:
        return Record(metric, event.day, value, unit, device=DEVICE, where=where)
    if event.at is not None:
        at = _local(event.at, ctx)
        return Record(metric, at.date(), value, unit, start=at, device=DEVICE, where=where)
    assert event.start is not None and event.end is not None  # the model's shapes
    start, end = _local(event.start, ctx), _local(event.end, ctx)
    # a night belongs to the day it ends (brain.timeline.derive); anything else to its start
    day = end.date() if CANONICAL[metric].aggregation is Aggregation.SLEEP else start.date()
    return Record(metric, day, value, unit, start=start, end=end, device=DEVICE, where=where)


def _journal(event: JournalEntry, ctx: ImportContext, where: str) -> Record:
    at = _local(event.at, ctx)
    return Record(JOURNAL_METRIC, at.date(), text=event.text, start=at, device=DEVICE, where=where)


def event_records(batch: EventBatch, ctx: ImportContext) -> Iterator[Parsed]:
    """The records, rejections and unknown mood words of every event, `where` = events[i]."""
    for i, event in enumerate(batch.events):
        where = f"events[{i}]"
        if isinstance(event, CheckIn):
            yield from _checkin(event, ctx, where)
        elif isinstance(event, Measurement):
            yield _measurement(event, ctx, where)
        else:
            yield _journal(event, ctx, where)


class EventsImporter:
    """The same events as a JSON file (`eqm import batch.json --format events`)."""

    name: ClassVar[str] = FORMAT
    description: ClassVar[str] = 'EQM events JSON ({"events": [check-ins, measurements, ...]})'

    def sniff(self, sample: FileSample) -> bool:
        head = sample.text_head.lstrip("\ufeff \r\n\t")
        return head.startswith("{") and '"events"' in head and '"kind"' in head

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        try:
            batch = EventBatch.model_validate_json(path.read_bytes())
        except ValidationError as e:
            first = e.errors()[0]
            location = "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
            ).lstrip(".")
            raise ImportFailed(
                f"{path.name} is not a valid events batch ({e.error_count()} problems); "
                f"first: {location or 'the document'}: {first['msg']}"
            ) from None
        yield from event_records(batch, ctx)


__all__ = [
    "FORMAT",
    "MAX_EVENTS",
    "MAX_TEXT_CHARS",
    "CheckIn",
    "Event",
    "EventBatch",
    "EventsImporter",
    "JournalEntry",
    "Measurement",
    "convert",
    "event_records",
]
