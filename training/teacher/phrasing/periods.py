"""Periods as people say them: fixed phrases, the last N days/weeks/months, months, dates.

Stats, cannot-answer questions and follow-ups name a period; anomalies look back from
today; every phrasing here is one the planner resolves (tests/test_teacher.py checks).
"""

from __future__ import annotations

import random

MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPAN_WORDS = ("last", "past", "previous")
_SPAN_LEADS = ("over the", "in the", "for the", "across the", "during the", "the", "these", "")
_COUNT_WORDS = ("two", "three", "four", "five", "six", "ten", "twelve", "fourteen", "twenty")
_WINDOWS = (  # periods that reach back from today
    *("last week", "over the past week", "this week", "this past week", "the past week"),
    *("this month", "last month", "over the past month", "this past month", "past month"),
    *("over the past fortnight", "the last fortnight", "over the past year"),
)
_FIXED_PERIODS = (
    *_WINDOWS,
    *("this year", "yesterday", "last night", "today", "on weekends", "on weekdays"),
    *("on workdays", "at the weekend", "on working days", ""),
)


def period(rng: random.Random) -> str:
    """A period as people say it: a fixed phrase, the last N days/weeks/months (digits or
    words), a month with or without its year, or two dates; sometimes with weekends."""
    kind = rng.random()
    if kind < 0.28:
        text = rng.choice(_FIXED_PERIODS)
    elif kind < 0.7:
        text = span(rng)
    elif kind < 0.94:
        month = rng.choice(MONTH_NAMES)
        year = rng.choice(("", "", f" {rng.choice((2025, 2026))}"))
        text = f"{rng.choice(('in', 'during', 'for', 'throughout', 'over'))} {month}{year}"
    else:
        month, day = rng.randint(1, 12), rng.randint(1, 20)
        start, end = (
            f"2026-{month:02d}-{day:02d}",
            f"2026-{month:02d}-{day + rng.randint(2, 8):02d}",
        )
        form = rng.choice(("from {} to {}", "from {} through {}", "between {} and {}", "{} to {}"))
        text = form.format(start, end)
    if text and "week" not in text and rng.random() < 0.12:
        text += rng.choice((" on weekends", " on weekdays", " on workdays"))
    return " ".join(text.split())


def span(rng: random.Random) -> str:
    """The last N days, weeks or months, in digits or words."""
    unit = rng.choice(("days", "days", "weeks", "weeks", "months"))
    top = {"days": 90, "weeks": 12, "months": 6}[unit]
    count = str(rng.randint(2, top)) if rng.random() < 0.8 else rng.choice(_COUNT_WORDS)
    return " ".join(f"{rng.choice(_SPAN_LEADS)} {rng.choice(_SPAN_WORDS)} {count} {unit}".split())


def recent(rng: random.Random) -> str:
    """A window back from today (for anomalies, which look back a number of days)."""
    return rng.choice((span(rng), rng.choice(_WINDOWS), "", "lately", "recently"))
