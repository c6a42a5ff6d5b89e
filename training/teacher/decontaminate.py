"""Keep the evaluation questions out of the teacher's corpus.

The teacher composes questions from a small vocabulary, so a short evaluation question
("forecast my steps for the next week") can come out of it word for word. A question that
is, or contains, or is contained in a question of an evaluation suite (compared as
lowercase words, at least four of them) is never used for training: as with n-gram
decontamination of LLM pre-training data, the held-out scores then measure generalisation,
not recall.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

SUITES = Path(__file__).resolve().parents[2] / "evals" / "suites"
MIN_WORDS = 4


def words(text: str) -> str:
    """`text` as its lowercase words, one space between, padded for whole-word search."""
    return " " + " ".join(re.findall(r"[a-z0-9']+", text.lower())) + " "


@cache
def eval_questions() -> tuple[str, ...]:
    """Every user message of every suite under evals/suites, as `words`."""
    found = []
    for path in sorted(SUITES.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            item = json.loads(line)
            found += [m["content"] for m in item.get("messages", []) if m["role"] == "user"]
    return tuple(sorted({words(text) for text in found}))


def _long_enough(question: str) -> bool:
    """Whether a question (as `words`) has the words to be held in another or hold one."""
    return question.count(" ") - 1 >= MIN_WORDS


@cache
def _held() -> tuple[frozenset[str], str, tuple[str, ...]]:
    """The questions as a set, joined into one text (a shorter question is held in it when
    found there: no match crosses a line), and those long enough to be held in another."""
    questions = eval_questions()
    long = tuple(q for q in questions if _long_enough(q))
    return frozenset(questions), "\n".join(questions), long


def contaminated(text: str) -> bool:
    """Whether `text` is, holds, or is held in an evaluation question."""
    mine = words(text)
    same, joined, long = _held()
    if mine in same or (_long_enough(mine) and mine in joined):
        return True
    return any(theirs in mine for theirs in long)
