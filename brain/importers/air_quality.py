"""Air quality as OpenAQ exports it: one row per reading (location, parameter, value, unit,
time), in its older (`utc`, `local`) and newer (`datetime`, `location_id`) CSV columns.

Daily `pm25` and `pm10` are the mean of the day's readings at one station: the person's
place is the station with the most readings in the file (named in the summary), and rows
of other stations are rejected with that reason. Other pollutants are not read; negative
values (OpenAQ's -999 for a missing reading) are rejected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from brain.importers.base import FileSample, ImportContext, Note, Parsed, Record, Rejection
from brain.importers.text import csv_rows, parse_local_datetime, parse_number

_PARAMETERS = {"pm25": "pm25", "pm2.5": "pm25", "pm2_5": "pm25", "pm10": "pm10"}
_UNITS = frozenset({"µg/m³", "ug/m3", "µg/m3", "ug/m³", "μg/m³", "microgram/m3"})
_TIME_COLUMNS = ("utc", "datetime", "date.utc", "local", "datetimeutc")
_LOCATION_COLUMNS = ("location", "location_name", "location_id", "locationid")


def _first(row: dict[str, str], names: tuple[str, ...]) -> str:
    return next((row[n] for n in names if row.get(n, "").strip()), "")


class AirQualityImporter:
    name: ClassVar[str] = "air_quality"
    description: ClassVar[str] = "OpenAQ air-quality CSV (location, parameter, value, unit, time)"

    def sniff(self, sample: FileSample) -> bool:
        columns = sample.csv_columns
        return (
            {"parameter", "value"} <= columns
            and bool(columns & set(_TIME_COLUMNS))
            and bool(columns & set(_LOCATION_COLUMNS))
        )

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        rows = [
            (line, {k.strip().lower(): v or "" for k, v in row.items()})
            for line, row in csv_rows(path, ctx)
        ]
        stations = Counter(_first(row, _LOCATION_COLUMNS) for _, row in rows)
        station, _ = stations.most_common(1)[0] if stations else ("", 0)
        if len(stations) > 1:
            yield Note(
                f"The file has readings from {len(stations)} stations; EQM kept {station!r}, "
                "the one with the most readings, as the person's place."
            )
        skipped: Counter[str] = Counter()
        for line, row in rows:
            where = f"line {line}"
            parameter = _PARAMETERS.get(row.get("parameter", "").strip().lower())
            if parameter is None:
                skipped[row.get("parameter", "").strip() or "(blank)"] += 1
                continue
            here = _first(row, _LOCATION_COLUMNS)
            if here != station:
                yield Rejection(where, f"station {here!r}, not {station!r}", "other_location")
                continue
            unit = (row.get("unit") or row.get("units") or "").strip()
            if unit and unit.lower() not in _UNITS:
                yield Rejection(where, f"{parameter} in {unit!r}, not µg/m³", "bad_unit")
                continue
            try:
                value = parse_number(row.get("value", ""))
                at = parse_local_datetime(_first(row, _TIME_COLUMNS), ctx.tz).astimezone(ctx.tz)
            except ValueError as e:
                yield Rejection(where, str(e), "bad_record")
                continue
            if value is None or value < 0:
                yield Rejection(where, f"{parameter} reading {value} is missing", "missing_field")
                continue
            yield Record(parameter, at.date(), value, "ug/m3", None, at, None, station, where)
        if skipped:
            names = ", ".join(sorted(skipped))
            yield Note(
                f"Only PM2.5 and PM10 are read; {sum(skipped.values())} readings of "
                f"{names} were not."
            )
