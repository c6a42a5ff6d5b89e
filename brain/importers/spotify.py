"""Spotify streaming history JSON, extended (`ts`, `ms_played`, ...) and basic (`endTime`, ...).

Each play becomes an interval ending at its timestamp (both formats record the end, in UTC),
so a play that appears in both histories is counted once. A play counts as skipped when
Spotify says so, or, in the basic history that has no such field, when it lasted under 30 s
(the point at which Spotify itself counts a stream).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from brain.errors import ImportFailed
from brain.importers.base import (
    LATE_NIGHT_HOURS,
    FileSample,
    ImportContext,
    Parsed,
    Record,
    Rejection,
)
from brain.importers.text import sniff_encoding

SKIP_THRESHOLD_MS = 30_000


def load_json(path: Path, ctx: ImportContext) -> Any:
    """The whole JSON document, with a precise error for text that is not JSON or not UTF-8."""
    try:
        with io.TextIOWrapper(ctx.open(path), encoding=sniff_encoding(path)) as f:
            return json.load(f)
    except UnicodeDecodeError as e:
        raise ImportFailed(
            f"{path.name} is not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start})"
        ) from None
    except json.JSONDecodeError as e:
        raise ImportFailed(
            f"{path.name} is not valid JSON (line {e.lineno}, column {e.colno}): {e.msg}"
        ) from None
    except (ValueError, RecursionError) as e:  # a number of 4,300+ digits, nesting too deep
        raise ImportFailed(f"{path.name} is not JSON that EQM reads: {str(e)[:120]}") from None


class SpotifyImporter:
    name: ClassVar[str] = "spotify"
    description: ClassVar[str] = "Spotify streaming history JSON (extended or basic)"

    def sniff(self, sample: FileSample) -> bool:
        head = sample.text_head.lstrip("\ufeff \r\n\t")
        return head.startswith("[") and (
            ('"ms_played"' in head and '"ts"' in head)
            or ('"msPlayed"' in head and '"endTime"' in head)
        )

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        plays = load_json(path, ctx)
        if not isinstance(plays, list):
            raise ImportFailed(f"{path.name}: expected a JSON array of plays")
        for i, play in enumerate(plays, start=1):
            where = f"play {i}"
            try:
                end, ms, skipped, track = _read_play(play)
            except (KeyError, TypeError, ValueError) as e:
                yield Rejection(where, f"unreadable play: {e}", "bad_record")
                continue
            if ms <= 0:
                continue
            local_end = end.astimezone(ctx.tz)
            start = local_end - timedelta(milliseconds=ms)
            minutes = ms / 60_000
            day = local_end.date()
            yield Record(
                "music_minutes",
                day,
                minutes,
                "min",
                text=track,
                start=start,
                end=local_end,
                device="Spotify",
                where=where,
            )
            yield Record(
                "skip_rate",
                day,
                1.0 if skipped else 0.0,
                "share",
                start=local_end,
                device="Spotify",
                where=where,
            )
            if local_end.hour in LATE_NIGHT_HOURS:
                yield Record(
                    "late_night_music_minutes",
                    day,
                    minutes,
                    "min",
                    start=start,
                    end=local_end,
                    device="Spotify",
                    where=where,
                )


def _read_play(play: dict[str, Any]) -> tuple[datetime, int, bool, str | None]:
    """(end in UTC, milliseconds played, skipped, "artist - track") of either format."""
    if "ts" in play:
        end = datetime.fromisoformat(play["ts"].replace("Z", "+00:00"))
        ms = int(play["ms_played"])
        skipped = bool(play.get("skipped")) or play.get("reason_end") == "fwdbtn"
        artist = play.get("master_metadata_album_artist_name") or play.get("episode_show_name")
        title = play.get("master_metadata_track_name") or play.get("episode_name")
    else:
        end = datetime.strptime(play["endTime"], "%Y-%m-%d %H:%M")
        ms = int(play["msPlayed"])
        skipped = ms < SKIP_THRESHOLD_MS
        artist, title = play.get("artistName"), play.get("trackName")
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    if ms < 0:
        raise ValueError(f"ms_played is negative ({ms})")
    track = " - ".join(p for p in (artist, title) if p) or None
    return end, ms, skipped, track
