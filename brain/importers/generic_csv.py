"""Plain CSV from anywhere (wearables, spreadsheets): wide daily or long.

Wide: a `date` (or `timestamp`) column and one column per metric.
Long: `timestamp` or `date`, `metric`, `value` (and optionally `unit`).

Column and metric names map onto canonical names in any case or spacing ("Sleep Hours",
"RESTING HR"); unknown ones are kept as metrics under their snake_case name. Text in a
column EQM does not know is kept as text; text where a known metric needs a number is
rejected with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar

from brain.importers.base import FileSample, ImportContext, Parsed, Record, Rejection
from brain.importers.text import (
    csv_rows,
    normalise_column,
    parse_date,
    parse_hours,
    parse_local_datetime,
    parse_number,
)
from brain.metrics import CANONICAL, canonical_name

_DATE_COLUMNS = ("date", "day")
_TIME_COLUMNS = ("timestamp", "datetime", "date_time")
_WHEN_COLUMNS = (*_DATE_COLUMNS, *_TIME_COLUMNS, "time")
_DEVICE = "CSV"


def _when(row: dict[str, str], ctx: ImportContext) -> tuple[date, datetime | None]:
    """The row's day, and its instant when the row has a timestamp rather than a date."""
    for column in _TIME_COLUMNS:
        if row.get(column, "").strip():
            at = parse_local_datetime(row[column], ctx.tz)
            return at.date(), at
    for column in _DATE_COLUMNS:
        if row.get(column, "").strip():
            if row.get("time", "").strip():  # separate date and time columns
                at = parse_local_datetime(f"{row[column]} {row['time']}", ctx.tz)
                return at.date(), at
            return parse_date(row[column]), None
    raise ValueError("no date or timestamp in this row")


def _cell(
    metric: str, raw: str, day: date, at: datetime | None, unit: str | None, where: str
) -> Parsed | None:
    spec = CANONICAL.get(metric)
    try:
        value = parse_hours(raw) if spec is not None and spec.unit == "h" else parse_number(raw)
    except ValueError as e:
        if spec is not None:
            return Rejection(where, f"{metric}: {e}", "not_a_number")
        return Record(metric, day, text=raw.strip(), start=at, device=_DEVICE, where=where)
    if value is None:
        return None
    return Record(
        metric,
        day,
        value,
        unit or (spec.unit if spec else None),
        start=at,
        device=_DEVICE,
        where=where,
    )


def _normalised(row: dict[str, str]) -> dict[str, str]:
    return {normalise_column(k).replace(" ", "_"): v or "" for k, v in row.items()}


class WideCsvImporter:
    name: ClassVar[str] = "csv_wide"
    description: ClassVar[str] = "CSV with a date column and one column per metric"

    def sniff(self, sample: FileSample) -> bool:
        columns = {c.replace(" ", "_") for c in sample.csv_columns}
        return bool(columns & {*_DATE_COLUMNS, *_TIME_COLUMNS}) and len(columns) > 1

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        metrics: dict[str, str] | None = None
        for line, raw_row in csv_rows(path, ctx):
            row = _normalised(raw_row)
            if metrics is None:
                metrics = {
                    column: canonical_name(column)
                    for column in row
                    if column and column not in _WHEN_COLUMNS
                }
            where = f"line {line}"
            try:
                day, at = _when(row, ctx)
            except ValueError as e:
                yield Rejection(where, str(e), "bad_date")
                continue
            for column, metric in metrics.items():
                parsed = _cell(metric, row.get(column, ""), day, at, None, where)
                if parsed is not None:
                    yield parsed


class LongCsvImporter:
    name: ClassVar[str] = "csv_long"
    description: ClassVar[str] = "CSV with timestamp or date, metric, value (and unit)"

    def sniff(self, sample: FileSample) -> bool:
        columns = {c.replace(" ", "_") for c in sample.csv_columns}
        return {"metric", "value"} <= columns and bool(columns & {*_DATE_COLUMNS, *_TIME_COLUMNS})

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        for line, raw_row in csv_rows(path, ctx):
            row = _normalised(raw_row)
            where = f"line {line}"
            metric = canonical_name(row.get("metric", ""))
            if not metric:
                yield Rejection(where, "the metric column is empty", "missing_field")
                continue
            try:
                day, at = _when(row, ctx)
            except ValueError as e:
                yield Rejection(where, str(e), "bad_date")
                continue
            parsed = _cell(metric, row.get("value", ""), day, at, row.get("unit") or None, where)
            if parsed is None:
                yield Rejection(where, "the value column is empty", "missing_field")
            else:
                yield parsed
