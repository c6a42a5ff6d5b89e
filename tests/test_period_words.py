"""Periods in a person's words read into the period the tools compute on."""

from __future__ import annotations

import pytest

from brain.analytics.period_words import find_days, find_period, read_period
from brain.analytics.periods import Period
from brain.errors import InvalidQuery


@pytest.mark.parametrize(
    ("words", "period"),
    [
        ("past 3 weeks", Period(last_weeks=3)),
        ("the last two weeks", Period(last_weeks=2)),
        ("last 2 months", Period(last_days=60)),
        ("previous 10 days", Period(last_days=10)),
        ("past fortnight", Period(last_days=14)),
        ("this week", Period(last_days=7)),
        ("yesterday", Period(last_days=1)),
        ("last night", Period(last_days=1)),
        ("this past month", Period(last_days=30)),
        ("this year", Period(last_days=365)),
        ("in March", Period(month="March")),
        ("during june 2026", Period(month="June 2026")),
        ("March", Period(month="March")),
        ("april 2026", Period(month="April 2026")),
        ("in febuary", Period(month="February")),  # a typo is the month it is closest to
        ("2026-03-01 to 2026-03-31", Period(start="2026-03-01", end="2026-03-31")),
    ],
)
def test_words_read_as_the_period_they_name(words: str, period: Period):
    assert read_period(words) == period


@pytest.mark.parametrize("words", ["whenever", "", "soon-ish", "in the spring"])
def test_words_that_name_no_period_say_how_to_name_one(words: str):
    with pytest.raises(InvalidQuery, match=r"say it as .*past 3 weeks"):
        read_period(words)


def test_a_question_yields_the_words_a_model_should_copy():
    question = "how many drinks did i have on weekends over the past 3 weeks?"
    assert find_period(question) == ("past 3 weeks", Period(last_weeks=3))
    assert find_days(question) == "weekends"
    assert find_days("my steps on workdays") == "weekdays"
    assert find_period("how is my mood") is None and find_days("how is my mood") is None
