"""The circumplex affect lexicon: emotion words placed on valence × arousal.

Mood apps (How We Feel, the Mood Meter) export only the word a person picked. Placing each
word on Russell's circumplex (valence: unpleasant → pleasant, arousal: low → high energy,
both in [-1, 1]) turns those words into numbers that analytics can average and correlate.
The coordinates in `brain/data/affect_lexicon.csv` are hand-set, NRC-VAD-informed values
rescaled to [-1, 1]; none lies exactly on an axis, so every word has an unambiguous quadrant.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Literal, cast

Quadrant = Literal[
    "high_energy_pleasant",
    "high_energy_unpleasant",
    "low_energy_unpleasant",
    "low_energy_pleasant",
]

QUADRANTS: tuple[Quadrant, ...] = (
    "high_energy_pleasant",
    "high_energy_unpleasant",
    "low_energy_unpleasant",
    "low_energy_pleasant",
)


@dataclass(frozen=True, slots=True)
class Emotion:
    """One lexicon word with its circumplex coordinates."""

    word: str
    valence: float
    arousal: float
    quadrant: Quadrant


def quadrant_of(valence: float, arousal: float) -> Quadrant:
    """The circumplex quadrant of a point.

    Ties on an axis go to the positive side (arousal 0 counts as high energy, valence 0 as
    pleasant) so that every point, including the origin, has exactly one quadrant.
    """
    energy = "high_energy" if arousal >= 0 else "low_energy"
    feeling = "pleasant" if valence >= 0 else "unpleasant"
    return cast(Quadrant, f"{energy}_{feeling}")


def normalise_label(label: str) -> str:
    """The lexicon key for a label as apps and people write it.

    Exports vary in case, spacing, hyphenation and decoration ("Burned-out", " At  Ease ",
    "😊 Happy!"), so the key is lower case, with "-" and "_" read as spaces, surrounding
    punctuation and emoji stripped and inner whitespace collapsed to one space.
    """
    text = unicodedata.normalize("NFKC", label).lower().replace("-", " ").replace("_", " ")
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return " ".join(text[start:end].split())


@cache
def lexicon() -> Mapping[str, Emotion]:
    """Every lexicon word keyed by its normalised form (read once, read-only)."""
    resource = files("brain") / "data" / "affect_lexicon.csv"
    rows = csv.DictReader(io.StringIO(resource.read_text(encoding="utf-8")))
    emotions: dict[str, Emotion] = {}
    for row in rows:
        word = normalise_label(row["word"])
        valence, arousal = float(row["valence"]), float(row["arousal"])
        quadrant = quadrant_of(valence, arousal)
        if row["quadrant"] != quadrant or word in emotions:
            # A hand edit that breaks the signs or duplicates a word would silently skew
            # every quadrant count downstream, so refuse to load it.
            raise ValueError(f"affect lexicon: inconsistent or duplicate row for {word!r}")
        emotions[word] = Emotion(word, valence, arousal, quadrant)
    return MappingProxyType(emotions)


def lookup(label: str) -> Emotion | None:
    """The lexicon entry for a label as written in an export, or None if unknown."""
    return lexicon().get(normalise_label(label))


@cache
def _by_word() -> tuple[Emotion, ...]:
    """Lexicon entries sorted by word, so that ties in `nearest_emotion` break by word."""
    return tuple(sorted(lexicon().values(), key=lambda emotion: emotion.word))


def nearest_emotion(valence: float, arousal: float) -> Emotion:
    """The word closest (Euclidean) to a point; equidistant words resolve alphabetically."""
    best = _by_word()[0]
    best_distance = math.inf
    for emotion in _by_word():
        distance = (emotion.valence - valence) ** 2 + (emotion.arousal - arousal) ** 2
        if distance < best_distance:
            best, best_distance = emotion, distance
    return best
