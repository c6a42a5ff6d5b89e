"""Daylio CSV export, both header versions.

New: full_date,date,weekday,time,mood,activities,note_title,note
Old: year,date,weekday,time,mood,activities,note

Daylio moods are the person's own names on a five-step scale; they are placed on the
circumplex through a configurable `mood_scale` (valence, optional arousal), then the
emotion lexicon (a custom mood called "anxious" is understood), else reported as unknown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from dateutil import parser as dateparser

from brain import affect
from brain.importers.base import (
    FileSample,
    ImportContext,
    MoodPoint,
    Parsed,
    Record,
    Rejection,
    UnknownLabel,
)
from brain.importers.text import csv_rows, normalise_column
from brain.metrics import MOOD_LABEL

DEFAULT_MOOD_SCALE: Mapping[str, MoodPoint] = {
    "rad": MoodPoint(1.0),
    "good": MoodPoint(0.5),
    "meh": MoodPoint(0.0),
    "bad": MoodPoint(-0.5),
    "awful": MoodPoint(-1.0),
}


def mood_point(label: str, scale: Mapping[str, MoodPoint]) -> MoodPoint | None:
    """The person's scale first, Daylio's defaults next, then the emotion lexicon."""
    key = affect.normalise_label(label)
    for mapping in (scale, DEFAULT_MOOD_SCALE):
        if key in mapping:
            return mapping[key]
    emotion = affect.lookup(label)
    return MoodPoint(emotion.valence, emotion.arousal) if emotion else None


class DaylioImporter:
    name: ClassVar[str] = "daylio"
    description: ClassVar[str] = "Daylio CSV export (either header version)"

    def sniff(self, sample: FileSample) -> bool:
        header = sample.csv_columns
        return {"date", "time", "mood", "activities"} <= header and bool(
            {"full_date", "year"} & header
        )

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        for line, raw_row in csv_rows(path, ctx):
            row = {normalise_column(k): (v or "").strip() for k, v in raw_row.items()}
            where = f"line {line}"
            try:
                at = _parse_when(row)
            except ValueError as e:
                yield Rejection(where, f"unreadable date/time: {e}", "bad_date")
                continue
            at = at.replace(tzinfo=ctx.tz)
            day = at.date()
            mood = row.get("mood", "")
            if mood:
                yield Record(MOOD_LABEL, day, text=mood, start=at, device="Daylio", where=where)
                point = mood_point(mood, ctx.mood_scale)
                if point is None:
                    yield UnknownLabel(mood, where)
                else:
                    yield Record(
                        "valence",
                        day,
                        point.valence,
                        "score",
                        start=at,
                        device="Daylio",
                        where=where,
                    )
                    if point.arousal is not None:
                        yield Record(
                            "arousal",
                            day,
                            point.arousal,
                            "score",
                            start=at,
                            device="Daylio",
                            where=where,
                        )
            for activity in filter(None, (a.strip() for a in row.get("activities", "").split("|"))):
                yield Record(
                    "tag_activity", day, text=activity, start=at, device="Daylio", where=where
                )
            title, note = row.get("note_title", ""), row.get("note", "")
            text = f"{title}\n{note}" if title and note else title or note
            if text:
                yield Record("note", day, text=text, start=at, device="Daylio", where=where)


def _parse_when(row: dict[str, str]) -> datetime:
    """Naive local time of a Daylio entry from either header version."""
    time_text = row.get("time", "")
    if row.get("full_date"):
        text = f"{row['full_date']} {time_text}"
    elif row.get("year"):
        text = f"{row.get('date', '')} {row['year']} {time_text}"
    else:
        raise ValueError("neither full_date nor year is filled in")
    try:
        return dateparser.parse(text)
    except (ValueError, ArithmeticError):  # dateutil raises decimal errors on some junk
        raise ValueError(f"{text.strip()!r} is not a date/time") from None


def parse_mood_scale(spec: str) -> dict[str, MoodPoint]:
    """`"rad=1,good=0.5,meh=0,bad=-0.5,awful=-1,stressed=-0.6:0.7"` -> a mood scale.

    Each entry is `name=valence` or `name=valence:arousal`, both in [-1, 1].
    """
    scale: dict[str, MoodPoint] = {}
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        name, sep, coords = entry.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            parts = [float(p) for p in coords.split(":")]
            if len(parts) not in (1, 2) or any(not -1 <= p <= 1 for p in parts):
                raise ValueError
        except ValueError:
            raise ValueError(
                f"bad mood scale entry {entry!r}: write name=valence or name=valence:arousal "
                "with numbers in -1..1"
            ) from None
        scale[affect.normalise_label(name)] = MoodPoint(*parts)
    return scale
