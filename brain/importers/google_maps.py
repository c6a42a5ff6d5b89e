"""Google Maps Timeline JSON (the on-device export with `semanticSegments`).

Visits whose top candidate is HOME or WORK become hours at home / at work, split at local
midnight so an evening-to-morning stay at home counts on both days. Movement segments give
kilometres travelled; a day with a flight or a trip of at least 100 km is a travel day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from brain.errors import ImportFailed
from brain.importers.base import FileSample, ImportContext, Parsed, Record, Rejection
from brain.importers.spotify import load_json

_PLACE_METRICS = {"HOME": "hours_at_home", "WORK": "hours_at_work"}
_LONG_TRIP_KM = 100.0


class GoogleMapsImporter:
    name: ClassVar[str] = "google_maps"
    description: ClassVar[str] = "Google Maps Timeline JSON (semanticSegments)"

    def sniff(self, sample: FileSample) -> bool:
        return '"semanticSegments"' in sample.text_head

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        document = load_json(path, ctx)
        segments = document.get("semanticSegments") if isinstance(document, dict) else None
        if not isinstance(segments, list):
            raise ImportFailed(f"{path.name}: no semanticSegments array")
        for i, segment in enumerate(segments, start=1):
            where = f"segment {i}"
            try:
                yield from _segment(segment, where, ctx)
            except (KeyError, TypeError, ValueError) as e:
                yield Rejection(where, f"unreadable segment: {e}", "bad_record")


def _segment(segment: dict[str, Any], where: str, ctx: ImportContext) -> Iterator[Parsed]:
    if "visit" not in segment and "activity" not in segment:
        return  # timelinePath and other segments carry nothing EQM uses
    start = _when(segment["startTime"], ctx)
    end = _when(segment["endTime"], ctx)
    if end < start:
        raise ValueError(f"endTime {end} is before startTime {start}")
    if "visit" in segment:
        place = segment["visit"].get("topCandidate", {}).get("semanticType", "")
        metric = _PLACE_METRICS.get(place.upper())
        if metric:
            for piece_start, piece_end in split_at_midnight(start, end):
                hours = (piece_end - piece_start).total_seconds() / 3600
                yield Record(
                    metric,
                    piece_start.date(),
                    hours,
                    "h",
                    start=piece_start,
                    end=piece_end,
                    device="Google Maps",
                    where=where,
                )
        return
    activity = segment["activity"]
    km = float(activity.get("distanceMeters", 0.0)) / 1000
    mode = activity.get("topCandidate", {}).get("type", "")
    if km > 0:
        yield Record(
            "travel_km",
            start.date(),
            km,
            "km",
            text=mode or None,
            start=start,
            end=end,
            device="Google Maps",
            where=where,
        )
    if mode == "FLYING" or km >= _LONG_TRIP_KM:
        yield Record("travel_day", start.date(), 1.0, "flag", device="Google Maps", where=where)


def _when(text: str, ctx: ImportContext) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=ctx.tz)


def split_at_midnight(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Pieces of [start, end) that each fall within one local calendar day."""
    while start.date() < end.date():
        midnight = datetime.combine(
            start.date() + timedelta(days=1), datetime.min.time(), tzinfo=start.tzinfo
        )
        yield start, midnight
        start = midnight
    if end > start:
        yield start, end
