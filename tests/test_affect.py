"""The affect lexicon: coverage, consistency of coordinates and quadrants, label matching."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brain.affect import (
    QUADRANTS,
    Emotion,
    lexicon,
    lookup,
    nearest_emotion,
    normalise_label,
    quadrant_of,
)

unit = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)


def test_lexicon_is_large_and_balanced() -> None:
    counts = Counter(emotion.quadrant for emotion in lexicon().values())
    assert len(lexicon()) >= 130
    assert set(counts) == set(QUADRANTS)
    assert min(counts.values()) >= 33


@pytest.mark.parametrize("emotion", list(lexicon().values()), ids=lambda e: e.word)
def test_every_word_is_consistent(emotion: Emotion) -> None:
    assert -1.0 <= emotion.valence <= 1.0 and emotion.valence != 0.0
    assert -1.0 <= emotion.arousal <= 1.0 and emotion.arousal != 0.0
    assert round(emotion.valence, 2) == emotion.valence
    assert round(emotion.arousal, 2) == emotion.arousal
    assert emotion.quadrant == quadrant_of(emotion.valence, emotion.arousal)
    assert (emotion.arousal > 0) == emotion.quadrant.startswith("high_energy")
    assert (emotion.valence > 0) == emotion.quadrant.endswith("_pleasant")
    assert emotion.word == normalise_label(emotion.word)


def test_lexicon_is_read_only_and_cached() -> None:
    assert lexicon() is lexicon()
    with pytest.raises(TypeError):
        lexicon()["new"] = Emotion("new", 0.1, 0.1, "high_energy_pleasant")  # type: ignore[index]


def test_expected_vocabulary_is_present() -> None:
    for word in ("enraged", "anxious", "ecstatic", "focused", "sad", "burned out", "at ease"):
        assert word in lexicon()


@pytest.mark.parametrize(
    ("label", "word"),
    [
        ("Burned-out", "burned out"),
        (" At  Ease ", "at ease"),
        ("at_ease", "at ease"),
        ("😊 Happy!", "happy"),
        ("LEFT OUT.", "left out"),
        ("Calm", "calm"),
    ],
)
def test_lookup_normalises_labels(label: str, word: str) -> None:
    emotion = lookup(label)
    assert emotion is not None and emotion.word == word


def test_lookup_unknown_label() -> None:
    assert lookup("flabbergasted-ish beyond words") is None
    assert lookup("") is None


def test_quadrant_tie_rule() -> None:
    assert quadrant_of(0.0, 0.0) == "high_energy_pleasant"
    assert quadrant_of(-0.1, 0.0) == "high_energy_unpleasant"
    assert quadrant_of(0.0, -0.1) == "low_energy_pleasant"


@pytest.mark.parametrize("emotion", list(lexicon().values()), ids=lambda e: e.word)
def test_nearest_emotion_round_trip(emotion: Emotion) -> None:
    nearest = nearest_emotion(emotion.valence, emotion.arousal)
    assert nearest.quadrant == emotion.quadrant


def test_nearest_emotion_is_deterministic() -> None:
    assert nearest_emotion(0.0, 0.0) == nearest_emotion(0.0, 0.0)
    assert nearest_emotion(1.0, 1.0).quadrant == "high_energy_pleasant"
    assert nearest_emotion(-1.0, -1.0).quadrant == "low_energy_unpleasant"


@given(unit, unit)
def test_quadrant_of_agrees_with_signs(valence: float, arousal: float) -> None:
    quadrant = quadrant_of(valence, arousal)
    assert quadrant in QUADRANTS
    assert quadrant.startswith("high_energy") == (arousal >= 0)
    assert quadrant.endswith("_pleasant") == (valence >= 0)
