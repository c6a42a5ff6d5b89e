"""The words people use for their metrics and periods, mapped onto tool arguments.

One table per concept, searched longest phrase first, so "resting heart rate" wins over
"heart rate" and "late night music" over "music". Positions are returned with every hit
so the planner can keep the order the person named things in.
"""

from __future__ import annotations

import re
from typing import Any

from brain.analytics.period_words import (
    find_days,
    find_period,
)

VALENCE, AROUSAL = "valence", "arousal"

# phrase -> canonical metric (mood words included: they are metrics too)
METRIC_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("mood", "happier", "happy", "happiness", "sad", "sadder", "feel", "feeling", "feelings"),
        VALENCE,
    ),
    **dict.fromkeys(("down", "unhappy", "pleasant", "valence", "emotions"), VALENCE),
    **dict.fromkeys(("energy", "energetic", "tired", "arousal", "alert", "wired"), AROUSAL),
    **dict.fromkeys(("sleep", "slept", "sleeping", "rest", "asleep"), "sleep_hours"),
    **dict.fromkeys(("bedtime", "go to bed", "went to bed", "fall asleep"), "sleep_start"),
    **dict.fromkeys(("wake up", "woke up", "wake-up", "waking up"), "sleep_end"),
    "time in bed": "time_in_bed_hours",
    **dict.fromkeys(("steps", "step", "walk", "walked", "walking"), "steps"),
    **dict.fromkeys(("coffee", "coffees", "caffeine", "espresso"), "caffeine_mg"),
    **dict.fromkeys(
        ("drinks", "drinking", "drank", "alcohol", "beer", "beers", "wine", "booze"),
        "alcohol_drinks",
    ),
    **dict.fromkeys(
        ("workout", "workouts", "exercise", "exercising", "gym", "training", "working out"),
        "exercise_minutes",
    ),
    **dict.fromkeys(("music", "spotify", "songs", "listening"), "music_minutes"),
    **dict.fromkeys(("late night music", "late-night music"), "late_night_music_minutes"),
    "skip": "skip_rate",
    **dict.fromkeys(("meditation", "meditate", "meditating", "mindfulness"), "mindful_minutes"),
    **dict.fromkeys(("resting heart rate", "resting hr", "rhr"), "resting_hr"),
    **dict.fromkeys(("heart rate", "pulse", "hr"), "heart_rate"),
    **dict.fromkeys(("hrv", "heart rate variability"), "hrv_sdnn_ms"),
    **dict.fromkeys(("at home", "home"), "hours_at_home"),
    **dict.fromkeys(("at work", "work hours", "office", "hours at work"), "hours_at_work"),
    **dict.fromkeys(("travel", "travelled", "traveled", "trips"), "travel_km"),
    **dict.fromkeys(("screen time", "phone", "screen"), "screen_time_min"),
    "readiness": "readiness_score",
    **dict.fromkeys(("check-ins", "checkins", "check ins"), "checkins"),
}

# things people track elsewhere that EQM's data never holds unless imported
UNTRACKED: dict[str, str] = {
    **dict.fromkeys(("weight", "weigh", "bmi", "body fat"), "body weight"),
    **dict.fromkeys(("calories", "calorie", "diet", "food", "ate", "eating"), "food or calories"),
    "blood pressure": "blood pressure",
    **dict.fromkeys(("glucose", "blood sugar"), "blood sugar"),
    **dict.fromkeys(("period", "menstrual", "cycle"), "menstrual cycle"),
    **dict.fromkeys(("water", "hydration"), "water intake"),
    **dict.fromkeys(("weather", "temperature", "rain"), "the weather"),
    **dict.fromkeys(("salary", "money", "spending", "stocks"), "money"),
}

MOOD_METRICS = frozenset({VALENCE, AROUSAL})


def _pattern(words: list[str]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in ordered) + r")\b")


_METRIC_RE = _pattern(list(METRIC_WORDS))
_UNTRACKED_RE = _pattern(list(UNTRACKED))
# "period" as a span of time is not a menstrual period
_TIME_PERIOD = re.compile(r"\b(?:this|that|the|same|time)\s+period\b")


def metrics_in(text: str) -> list[tuple[int, str]]:
    """(position, metric) for every metric word in `text`, in order, first mention kept."""
    seen: dict[str, int] = {}
    for match in _METRIC_RE.finditer(text):
        seen.setdefault(METRIC_WORDS[match.group(1)], match.start())
    return sorted((pos, metric) for metric, pos in seen.items())


def untracked_in(text: str) -> str | None:
    """The thing asked about that no metric holds (e.g. "body weight"), if any."""
    match = _UNTRACKED_RE.search(_TIME_PERIOD.sub(" ", text))
    return UNTRACKED[match.group(1)] if match else None


def period_in(text: str) -> dict[str, Any]:
    """stats_lookup period arguments named in `text`: the period in the person's own words
    (brain reads them) and which days count (empty: the tool's default 30 days)."""
    found: dict[str, Any] = {}
    if named := find_period(text):
        found["period"] = named[0]
    if days := find_days(text):
        found["days"] = days
    return found
