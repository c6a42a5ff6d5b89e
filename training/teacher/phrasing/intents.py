"""Which intents a question may have, how often, and `question()`: a question of any of
them, drawn until the planner reads it as meant and no evaluation suite asks it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from training.teacher.decontaminate import contaminated
from training.teacher.phrasing.drafts import Draft, Generator, Question
from training.teacher.phrasing.dressing import dressed, varied
from training.teacher.phrasing.lookups import (
    CHRONOTYPE,
    LIST_METRICS,
    WEEKDAY_PROFILE,
    fixed,
    memories,
    others,
)
from training.teacher.phrasing.multi import multi
from training.teacher.phrasing.questions import (
    anomalies,
    cannot_answer,
    correlate,
    effect,
    forecast,
    granger,
    simulate,
    stats,
)
from training.teacher.phrasing.sensitive import crisis, diagnosis, small_talk
from training.teacher.phrasing.words import MOODS
from training.teacher.planner import Plan, metrics_of, plan


def _multi(rng: random.Random, metrics: list[str]) -> Draft:
    """Two questions in one message (see `multi`), drawn from this registry."""
    return multi(rng, metrics, _draw, SINGLE)


GENERATORS: dict[str, tuple[Generator, int]] = {
    "stats_lookup": (stats, 6),
    "causal_effect": (effect, 3),
    "correlate": (correlate, 2),
    "granger": (granger, 1),
    "simulate": (simulate, 3),
    "chronotype": (fixed("chronotype", CHRONOTYPE), 1),
    "weekday_profile": (fixed("weekday_profile", WEEKDAY_PROFILE), 1),
    "anomalies": (anomalies, 2),
    "forecast": (forecast, 2),
    "search_memories": (memories, 2),
    "list_metrics": (fixed("list_metrics", LIST_METRICS), 1),
    "cannot_answer": (cannot_answer, 1),
    "refuse": (others, 1),
    "diagnosis": (diagnosis, 1),
    "safety": (crisis, 1),
    "clarify": (small_talk, 1),
    "multi": (_multi, 4),
}
SINGLE = tuple(
    n
    for n in GENERATORS
    if n
    in {
        "stats_lookup",
        "causal_effect",
        "correlate",
        "granger",
        "simulate",
        "chronotype",
        "weekday_profile",
        "anomalies",
        "forecast",
        "search_memories",
        "list_metrics",
    }
)
_NON_TOOL = {
    "cannot_answer": "cannot_answer",
    "refuse": "refuse",
    "diagnosis": "refuse",
    "safety": "safety",
    "clarify": "clarify",
}


def question(rng: random.Random, metrics: list[str]) -> Question:
    """One question of a randomly chosen intent, weighted towards everyday questions; never
    one of an evaluation suite's questions."""
    return uncontaminated(lambda: _question(rng, metrics))


def _question(rng: random.Random, metrics: list[str]) -> Question:
    draft = _draw(rng, metrics, tuple(GENERATORS))
    if draft.intent in ("safety", "clarify"):
        return varied(rng, draft.text, draft.intent)
    for _ in range(8):  # dressed up, but planned the same as the bare question
        clean = dressed(rng, draft.text)
        if _plans_as(plan(clean, metrics), draft):
            return varied(rng, clean, draft.intent)
    return varied(rng, draft.text, draft.intent)


def uncontaminated(draw: Callable[[], Question]) -> Question:
    """The first drawn question that no evaluation suite asks, with or without its typos."""
    while True:
        asked = draw()
        if not (contaminated(asked.text) or contaminated(asked.clean)):
            return asked


def _draw(rng: random.Random, metrics: list[str], names: tuple[str, ...]) -> Draft:
    """A draft whose plan holds what the generator meant (redrawn until it does)."""
    weights = [GENERATORS[n][1] for n in names]
    for _ in range(200):
        draft = GENERATORS[rng.choices(names, weights=weights)[0]][0](rng, metrics)
        if _plans_as(plan(draft.text, metrics), draft):
            return draft
    raise ValueError(f"no question the planner reads as meant for metrics {metrics}")


def _plans_as(planned: Plan, draft: Draft) -> bool:
    if draft.intent in _NON_TOOL:
        return planned.kind == _NON_TOOL[draft.intent] and (
            draft.intent != "diagnosis" or planned.topic == "diagnosis"
        )
    if planned.kind != "tools":
        return False
    names = {c.name for c in planned.calls}
    if draft.intent not in ("multi", *names):
        return False
    found = set(metrics_of(planned))
    if draft.metrics and not set(draft.metrics) <= found <= {*draft.metrics, *MOODS}:
        return False
    if draft.query is not None:
        return [c.arguments.get("query") for c in planned.calls] == [draft.query]
    return True
