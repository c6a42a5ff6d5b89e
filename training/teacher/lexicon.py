"""The words people use for their metrics and periods, mapped onto tool arguments.

One table per concept, searched longest phrase first, so "resting heart rate" wins over
"heart rate" and "late night music" over "music". Positions are returned with every hit
so the planner can keep the order the person named things in.
"""

from __future__ import annotations

import re
from typing import Any

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


NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "twenty": 20,
    "thirty": 30,
}
_COUNT = r"(\d+|" + "|".join(NUMBER_WORDS) + r")"
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_RE = re.compile(
    r"\b(?:in|during|for|of|over|through|throughout)\s+(" + "|".join(MONTHS) + r")(?:\s+(\d{4}))?\b"
)
_DATE = r"(\d{4}-\d{2}-\d{2})"
_RANGE = re.compile(_DATE + r"\s*(?:to|and|through|until|till|-)\s*" + _DATE)
_LAST_N = re.compile(r"\b(?:last|past|previous|recent)\s+" + _COUNT + r"\s+(day|week|month)s?\b")
_FIXED: tuple[tuple[str, dict[str, Any]], ...] = (
    (r"\byesterday\b|\blast night\b|\btoday\b", {"last_days": 1}),
    (r"\b(?:last|past|this|previous)\s+(?:week|7 days)\b", {"last_days": 7}),
    (r"\b(?:last|past|this|previous)\s+fortnight\b", {"last_days": 14}),
    (r"\b(?:last|past|this|previous)\s+month\b", {"last_days": 30}),
    (r"\b(?:last|past|this|previous)\s+year\b", {"last_days": 365}),
)


def to_number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def period_in(text: str) -> dict[str, Any]:
    """stats_lookup period arguments named in `text` (empty: the tool's default 30 days)."""
    found: dict[str, Any] = {}
    if match := _RANGE.search(text):
        found["start"], found["end"] = match.group(1), match.group(2)
    elif match := _LAST_N.search(text):
        count, unit = to_number(match.group(1)), match.group(2)
        if unit == "week":
            found["last_weeks"] = count
        else:
            found["last_days"] = count * (30 if unit == "month" else 1)
    elif match := _MONTH_RE.search(text):
        month = match.group(1).capitalize()
        found["month"] = f"{month} {match.group(2)}" if match.group(2) else month
    else:
        for pattern, arguments in _FIXED:
            if re.search(pattern, text):
                found.update(arguments)
                break
    if re.search(r"\b(?:on\s+|at\s+the\s+|over\s+the\s+)?weekends?\b", text):
        found["days"] = "weekends"
    elif re.search(r"\b(?:weekdays|workdays|work days|working days)\b", text):
        found["days"] = "weekdays"
    return found


def window_days(period: dict[str, Any], default: int = 30) -> int:
    """A period as a number of recent days, for tools that take only `last_days`."""
    if "last_days" in period:
        return int(period["last_days"])
    if "last_weeks" in period:
        return int(period["last_weeks"]) * 7
    return default
