"""Periods as people say them ("the past 2 weeks", "in March", "yesterday", "on weekends"),
read into a `Period` by fixed rules.

A tool argument can then carry the person's own words, copied from the question, and the
arithmetic ("2 months" is 60 days, "a fortnight" 14) happens here, where it is always right,
rather than in a small model's head. The same rules find the words in a question, so the
teacher that shows the model what to copy and the tool that reads the copy agree.
"""

from __future__ import annotations

import difflib
import re

from brain.analytics.periods import DaySelection, Period
from brain.errors import InvalidQuery

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
_COUNT = r"(\d+|" + "|".join(NUMBER_WORDS) + r")"
_DATE = r"(\d{4}-\d{2}-\d{2})"
_RANGE = re.compile(_DATE + r"\s*(?:to|and|through|until|till|-)\s*" + _DATE)
_LAST_N = re.compile(r"\b(?:last|past|previous|recent)\s+" + _COUNT + r"\s+(day|week|month)s?\b")
_MONTH = re.compile(
    r"\b(?:in|during|for|of|over|through|throughout)\s+(" + "|".join(MONTHS) + r")(?:\s+(\d{4}))?\b"
)
# a month named alone, as a tool argument holds it ("march", "april 2026")
_BARE_MONTH = re.compile(r"^(" + "|".join(MONTHS) + r")(?:\s+(\d{4}))?$")
_FIXED: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(pattern), days)
    for pattern, days in (
        (r"\byesterday\b|\blast night\b|\btoday\b", 1),
        (r"\b(?:last|past|this|previous)\s+(?:week|7 days)\b", 7),
        (r"\b(?:last|past|this|previous)\s+fortnight\b", 14),
        (r"\b(?:last|past|this|previous)\s+month\b", 30),
        (r"\b(?:last|past|this|previous)\s+year\b", 365),
    )
)
_WEEKENDS = re.compile(r"\b(?:on\s+|at\s+the\s+|over\s+the\s+)?weekends?\b")
_WEEKDAYS = re.compile(r"\b(?:weekdays|workdays|work days|working days)\b")
FORMS = (
    '"past 3 weeks", "last 2 months", "yesterday", "this week", "past fortnight", '
    '"this year", "in March", "March 2026", "2026-03-01 to 2026-03-31"'
)


def to_number(word: str) -> int:
    """ "3" -> 3, "three" -> 3."""
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def find_period(text: str) -> tuple[str, Period] | None:
    """The first period named in `text` (lower-cased), as (its words, what they mean)."""
    if match := _RANGE.search(text):
        return match.group(0), Period(start=match.group(1), end=match.group(2))
    if match := _LAST_N.search(text):
        count, unit = to_number(match.group(1)), match.group(2)
        if unit == "week":
            return match.group(0), Period(last_weeks=count)
        return match.group(0), Period(last_days=count * (30 if unit == "month" else 1))
    if match := _MONTH.search(text):
        return match.group(0), Period(month=_month(match))
    for pattern, days in _FIXED:
        if match := pattern.search(text):
            return match.group(0), Period(last_days=days)
    return None


def find_days(text: str) -> DaySelection | None:
    """ "weekends" or "weekdays" where `text` limits the days so, else None."""
    if _WEEKENDS.search(text):
        return "weekends"
    if _WEEKDAYS.search(text):
        return "weekdays"
    return None


def read_period(words: str) -> Period:
    """What a period in a person's words means; a misspelt month ("febuary") is read as the
    month it is closest to. Words that name no period raise InvalidQuery with the forms."""
    text = " ".join(words.lower().replace(",", " ").split())
    if match := _BARE_MONTH.match(text):
        return Period(month=_month(match))
    if found := find_period(text) or find_period(_spelled(text)):
        return found[1]
    if match := _BARE_MONTH.match(_spelled(text)):
        return Period(month=_month(match))
    raise InvalidQuery(f"cannot read the period {words!r}: say it as {FORMS}")


def window_days(period: Period, default: int = 30) -> int:
    """A period as a number of recent days, for tools that take only a recent window."""
    if period.last_days:
        return period.last_days
    if period.last_weeks:
        return 7 * period.last_weeks
    return default


def _month(match: re.Match[str]) -> str:
    month = match.group(1).capitalize()
    return f"{month} {match.group(2)}" if match.group(2) else month


def _spelled(text: str) -> str:
    """`text` with each word that is nearly a month's name replaced by that name."""
    return " ".join(
        next(iter(difflib.get_close_matches(word, MONTHS, n=1, cutoff=0.8)), word)
        if word.isalpha() and len(word) > 3
        else word
        for word in text.split()
    )
