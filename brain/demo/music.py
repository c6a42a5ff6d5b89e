"""Alex's music: an invented catalogue and each day's streamed plays.

Listening sessions follow the day type (commutes and evenings on work days), skips follow the
day's arousal, and a late session runs until sleep onset when Alex goes to bed late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from brain.demo.clock import Window
from brain.demo.records import Play, Track

_ARTIST_ADJECTIVES = (
    "Velvet", "Paper", "Quiet", "Neon", "Golden", "Hollow", "Silver", "Wild",
    "Lunar", "Amber", "Crystal", "Northern", "Electric", "Sleepy", "Broken", "Distant",
)  # fmt: skip
_ARTIST_NOUNS = (
    "Harbor", "Lanterns", "Atlas", "Orchard", "Foxes", "Signals", "Tides", "Engines",
    "Meadow", "Satellites", "Rivers", "Choir", "Static", "Gardens", "Echoes", "Parade",
)  # fmt: skip
_TITLE_FIRST = (
    "Midnight", "Summer", "Slow", "Blue", "Falling", "Open", "Last", "Glass",
    "Morning", "Faded", "Bright", "Empty", "Wander", "Hidden", "Paper",
)  # fmt: skip
_TITLE_SECOND = (
    "Lights", "Heart", "Road", "Window", "Dreams", "Waves", "City", "Stars",
    "Rain", "Letters", "Fire", "Streets", "Echo", "Horizon", "Song",
)  # fmt: skip
_BASE62 = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))


def catalogue(rng: np.random.Generator) -> tuple[Track, ...]:
    """40 invented artists × 2 albums × 4 songs, so listening has a realistic long tail."""
    pairs = [(a, n) for a in _ARTIST_ADJECTIVES for n in _ARTIST_NOUNS]
    tracks = []
    for index in rng.permutation(len(pairs))[:40]:
        adjective, noun = pairs[int(index)]
        for _ in range(2):
            album = f"{_TITLE_FIRST[int(rng.integers(15))]} {_ARTIST_NOUNS[int(rng.integers(16))]}"
            for _ in range(4):
                name = (
                    f"{_TITLE_FIRST[int(rng.integers(15))]} {_TITLE_SECOND[int(rng.integers(15))]}"
                )
                tracks.append(
                    Track(
                        name=name,
                        artist=f"The {adjective} {noun}",
                        album=album,
                        uri="spotify:track:" + "".join(rng.choice(_BASE62, 22)),
                        duration_ms=int(rng.integers(140_000, 330_000)),
                    )
                )
    return tuple(tracks)


@dataclass(frozen=True, slots=True)
class ListeningSession:
    """What shapes a day's listening: the catalogue, the skip probability, the day type."""

    tracks: tuple[Track, ...]
    skip_p: float
    free: bool


def day_plays(
    rng: np.random.Generator,
    w: Window,
    next_onset: int,
    session: ListeningSession,
    minutes: float,
    late: bool,
) -> list[Play]:
    """The day's listening sessions, and a late one that runs until sleep onset if `late`."""
    if session.free:
        plan = [(11.5 * 3600, 0.5), (19 * 3600, 0.5)]
    else:
        plan = [(w.start + 2700, 0.3), (17.25 * 3600, 0.3), (21 * 3600, 0.4)]
    plays: list[Play] = []
    cursor = w.at(w.start + 600)
    for start, share in plan:
        begin = max(w.at(start), cursor)
        stop = min(begin + int(share * minutes * 60), w.at(w.end) - 600)
        plays += _listen(rng, session, begin, stop, home=start >= 19 * 3600)
        cursor = max(cursor, plays[-1].end + 60) if plays else cursor
    if late:
        begin = max(cursor, next_onset - int(rng.integers(15, 51)) * 60)
        plays += _listen(rng, session, begin, next_onset, home=True)
    return plays


def _listen(
    rng: np.random.Generator, session: ListeningSession, begin: int, stop: int, *, home: bool
) -> list[Play]:
    """Back-to-back plays from `begin` until `stop`; skips cut a track short."""
    popularity = 1 / (np.arange(len(session.tracks)) + 8.0)
    popularity /= popularity.sum()
    shuffle = bool(rng.random() < 0.5)
    platform, ip_addr = (
        ("osx", "192.0.2.17") if home else ("ios", f"192.0.2.{rng.integers(40, 90)}")
    )
    plays: list[Play] = []
    clock, reason_start = begin, "clickrow"
    while clock + 1 < stop:
        track = int(rng.choice(len(session.tracks), p=popularity))
        duration = session.tracks[track].duration_ms
        skipped = bool(rng.random() < session.skip_p)
        played = int(rng.integers(3_000, duration // 2)) if skipped else duration
        reason_end = "fwdbtn" if skipped else "trackdone"
        if clock + math.ceil(played / 1000) > stop:
            played, skipped, reason_end = (stop - clock) * 1000, False, "endplay"
        end = clock + math.ceil(played / 1000)
        plays.append(
            Play(end, played, track, skipped, reason_start, reason_end, shuffle, platform, ip_addr)
        )
        clock = end + int(rng.integers(0, 3))
        reason_start = "fwdbtn" if skipped else "trackdone"
    return plays
