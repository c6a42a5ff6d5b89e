"""Follow-ups: a short second turn that only makes sense after the first one ("and on
weekends?", "what about my steps?"), which the planner reads against the previous plan.
"""

from __future__ import annotations

import random

from training.teacher.phrasing.drafts import Question, pick_metric
from training.teacher.phrasing.dressing import varied
from training.teacher.phrasing.intents import uncontaminated
from training.teacher.phrasing.periods import MONTH_NAMES, span
from training.teacher.phrasing.words import NOUNS

FOLLOW_UPS = (
    *("and on weekends?", "what about {a}?", "and last month?", "how about in {m}?", "and {a}?"),
    *("same for {a}?", "and {p}?", "what about {p}?", "and what about {a}?"),
    *("and on weekdays?", "now for {p}", "now {a}", "and for my {a}?", "what about my {a}?"),
    *("how about my {a} instead?", "and my {a}?", "and {p} only?"),
    *("and weekdays only?", "the same for {a}?"),
    *("and how about {p}?", "same question for {a}", "same but {p}", "and during {m}?"),
)
_FOLLOW_UP_LEADS = ("", "", "", "ok ", "ok, ", "okay, ", "hmm ", "right, ", "cool, ", "thanks. ")


def follow_up(rng: random.Random, metrics: list[str]) -> Question:
    """A short second turn that only makes sense after the first one."""

    def draft() -> Question:
        text = rng.choice(_FOLLOW_UP_LEADS) + rng.choice(FOLLOW_UPS).format(
            a=rng.choice(NOUNS[pick_metric(rng, metrics)]),
            p=rng.choice(("this month", "last week", f"in {rng.choice(MONTH_NAMES)}", span(rng))),
            m=rng.choice(MONTH_NAMES),
        )
        return varied(rng, text, "follow_up")

    return uncontaminated(draft)
