"""How We Feel CSV export: one row per check-in, columns found by name.

The app copies the day's health data (steps, sleep, exercise so far) onto each check-in, so
those cells are statements about the day, not events: the timeline keeps the largest one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from brain import affect
from brain.importers.base import FileSample, ImportContext, Parsed, Record, Rejection, UnknownLabel
from brain.importers.text import (
    column_lookup,
    csv_rows,
    parse_hours,
    parse_local_datetime,
    parse_number,
)
from brain.metrics import MOOD_LABEL, canonical_name

# column -> (metric, how to read the cell); amounts are day statements
_DAY_AMOUNTS = {
    "exercise": ("exercise_minutes", "minutes"),
    "sleep": ("sleep_hours", "hours"),
    "steps": ("steps", "number"),
    "meditation": ("mindful_minutes", "minutes"),
    "caffeine (mg)": ("caffeine_mg", "number"),
    "alcoholic drinks": ("alcohol_drinks", "number"),
}
_TEXTS = {"notes": "note", "reflections": "reflection", "weather": "weather"}
_TAG_PREFIX = "tags ("
_DATE_FORMAT = "%Y %a %b %d %I:%M %p"  # 2026 Sun May 17 3:39 PM


def _read_cell(kind: str, raw: str) -> float | None:
    if kind == "hours":
        return parse_hours(raw)
    if kind == "minutes" and any(c.isalpha() for c in raw.replace("min", "")):
        hours = parse_hours(raw)
        return None if hours is None else hours * 60
    return parse_number(raw)


class HowWeFeelImporter:
    name: ClassVar[str] = "how_we_feel"
    description: ClassVar[str] = "How We Feel CSV export (one row per check-in)"

    def sniff(self, sample: FileSample) -> bool:
        header = sample.csv_columns
        has_tags = any(c.startswith(_TAG_PREFIX) for c in header)
        return {"date", "mood"} <= header and (has_tags or "reflections" in header)

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        columns: dict[str, str] | None = None
        for line, row in csv_rows(path, ctx):
            if columns is None:
                columns = column_lookup(list(row))
            where = f"line {line}"
            try:
                at = _parse_when(row[columns["date"]], ctx)
            except (ValueError, KeyError) as e:
                yield Rejection(where, f"unreadable Date: {e}", "bad_date")
                continue
            yield from self._row_records(row, columns, at, where)

    def _row_records(
        self, row: dict[str, str], columns: dict[str, str], at: datetime, where: str
    ) -> Iterator[Parsed]:
        day = at.date()
        device = "How We Feel"
        mood = row.get(columns["mood"], "").strip()
        if mood:
            yield Record(MOOD_LABEL, day, text=mood, start=at, device=device, where=where)
            emotion = affect.lookup(mood)
            if emotion is None:
                yield UnknownLabel(mood, where)
            else:
                for metric, value in (("valence", emotion.valence), ("arousal", emotion.arousal)):
                    yield Record(metric, day, value, "score", start=at, device=device, where=where)
        for key, column in columns.items():
            raw = (row.get(column) or "").strip()
            if not raw or key in ("date", "mood"):
                continue
            if key.startswith(_TAG_PREFIX):
                category = canonical_name(key[len(_TAG_PREFIX) :])
                for tag in filter(None, (t.strip() for t in raw.split(";"))):
                    yield Record(
                        f"tag_{category}", day, text=tag, start=at, device=device, where=where
                    )
            elif key in _TEXTS:
                yield Record(_TEXTS[key], day, text=raw, start=at, device=device, where=where)
            else:
                metric, kind = _DAY_AMOUNTS.get(key, (canonical_name(key), "number"))
                try:
                    value = _read_cell(kind, raw)
                except ValueError as e:
                    if key in _DAY_AMOUNTS:
                        yield Rejection(where, f"{column}: {e}", "not_a_number")
                    else:  # an unknown text column is kept as text, not lost
                        yield Record(metric, day, text=raw, start=at, device=device, where=where)
                    continue
                if value is not None:
                    yield Record(metric, day, value, device=device, where=where)


def _parse_when(raw: str, ctx: ImportContext) -> datetime:
    try:
        return datetime.strptime(raw.strip(), _DATE_FORMAT).replace(tzinfo=ctx.tz)
    except ValueError:
        return parse_local_datetime(raw, ctx.tz)
