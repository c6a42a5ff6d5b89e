"""Two questions in one message, and a second one that calls the first one's metric "it".

The generator draws its two questions from the registry in `intents`, which it is handed
(`draw`, `single`) so that this module does not import the registry that lists it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from training.teacher.phrasing.drafts import Draft
from training.teacher.phrasing.words import DOINGS, MOODS, NOUNS
from training.teacher.planner import metrics_of, plan

Draw = Callable[[random.Random, list[str], tuple[str, ...]], Draft]

_JOINERS = ("? also, ", ", and ", "? and ", ". also ", "; ", "? ")
_AWKWARD_IT = re.compile(r"\b(?:are|do|my|past) it\b")
_ABOUT_IT = ("causal_effect", "correlate", "granger", "forecast", "anomalies")


def multi(rng: random.Random, metrics: list[str], draw: Draw, single: tuple[str, ...]) -> Draft:
    """Two questions in one message, joined the way people join them; in half of them the
    second is about the first one's metric and calls it "it" ("how did I sleep last week,
    and does it affect my mood?"), as the planner reads it. `draw` draws a draft of one of
    the named intents; both questions are of the `single` ones."""
    first, second = (draw(rng, metrics, single) for _ in range(2))
    joiner = rng.choice(_JOINERS)
    if rng.random() < 0.5 and (about := _about_it(rng, metrics, first, joiner, draw)):
        second = about
    return Draft(
        intent="multi",
        text=first.text.rstrip("?") + joiner + second.text,
        metrics=tuple(dict.fromkeys(first.metrics + second.metrics)),
    )


def _about_it(
    rng: random.Random, metrics: list[str], first: Draft, joiner: str, draw: Draw
) -> Draft | None:
    """A second question about `first`'s one metric that names it "it", if the planner reads
    the pair as the two questions asked apart."""
    if len(first.metrics) != 1 or first.metrics[0] in MOODS:
        return None
    metric = first.metrics[0]
    second = draw(rng, [metric, *(m for m in MOODS if m in metrics)], _ABOUT_IT)
    names = sorted((*NOUNS[metric], *DOINGS.get(metric, ())), key=len, reverse=True)
    named = r"\b(?:my |the )?(?:" + "|".join(map(re.escape, names)) + r")\b"
    text, found = re.subn(named, "it", second.text, count=1)
    text += rng.choice(("", "", " too", " as well"))
    if not found or _AWKWARD_IT.search(text) or metric in metrics_of(plan(text, metrics)):
        return None  # not named, "are it and ...", or named twice
    apart = plan(first.text, metrics).calls + plan(second.text, metrics).calls
    together = plan(first.text.rstrip("?") + joiner + text, metrics).calls
    if together != [c for i, c in enumerate(apart) if c not in apart[:i]]:
        return None
    return second.model_copy(update={"text": text})
