"""Distractors: a question with stray words put in, a word left out or two words swapped,
kept only where the teacher still plans it exactly as before.

The phrasing generator writes grammatical questions from a fixed stock of parts, and a
small student trained only on them learns the parts' positions and neighbours as much as
the cue words. Real questions bring words the generator never wrote ("dragging myself
through the days"). Noise that leaves the plan unchanged teaches the student that the cue,
the metric and the period decide the call and the words around them do not. On the GPU
probe (benchmarks/default_model.py's docstring), at the default model's 7,075 training
steps, held-out exact match was 32.0% and 36.7% without distractors (two seeds), 46.9% and
42.2% with half the decisions distracted, and 53.9% with all of them.

The stray words are real English ones: the lower-case whole words of the vocabulary of the
all-MiniLM-L6-v2 model that EQM already ships for memories (about 21,000), so no word list
is kept here and none is downloaded. Real questions also come wrapped in chatter ("so
lately I've been dragging myself through the days..."): a third of the versions get an
aside before or after the question, one of a few dozen everyday ones or a run of stray
words, under the same check.
"""

from __future__ import annotations

import random
from functools import cache

from training.teacher.decontaminate import contaminated
from training.teacher.phrasing.dressing import CONTEXT
from training.teacher.planner import Plan, plan

ATTEMPTS = 6  # noisy versions tried before the question is kept as it is
EDITS = (1, 2, 2, 3, 4)  # how many edits one version gets, drawn uniformly
INSERT, DROP = 0.65, 0.85  # cumulative odds of each edit: insert, drop, else swap
ASIDE = 0.35  # odds that a version also gets an aside
# everyday asides with no metric, period or person in them, besides the phrasing's own
# context lines (the planner's check rejects any version where one changes the plan anyway)
ASIDES = (
    *(line.rstrip(".,") for line in CONTEXT),
    *("sorry if I asked this already", "no rush", "be honest with me", "can you help me out"),
    *("I have been wondering about this for ages", "it has been a weird stretch"),
    *("things are hectic with the kids", "I am trying to get my life together"),
    *("thanks in advance", "if that makes sense", "not sure how to ask this"),
    *("so here is the thing", "I keep going back and forth on this", "been meaning to ask"),
    *("hope you can help", "out of curiosity", "before I forget", "I noticed something odd"),
    *("keep it short please", "in plain words please", "give it to me straight"),
    *("I was thinking about this on the bus", "it has been a rough patch"),
    *("life has been busy", "my head is all over the place", "I am a bit lost here"),
    *("I am making a plan for the new year", "let me ask you something"),
)


@cache
def stray_words() -> tuple[str, ...]:
    """Whole lower-case words of three letters or more from the packaged embedding model's
    vocabulary: the package, not EQM_EMBEDDING_MODEL, whose version keys the corpus cache."""
    from tools.memories.embedder import packaged_model_path

    vocabulary = (packaged_model_path() / "vocab.txt").read_text(encoding="utf-8").split("\n")
    return tuple(w for w in vocabulary if len(w) >= 3 and w.isalpha() and w.islower())


def distracted(
    rng: random.Random, text: str, planned: Plan, metrics: list[str], history: list[Plan]
) -> str:
    """`text` with a few random edits that the teacher still plans as `planned` (for a person
    with `metrics`, after `history`) and that no eval suite asks; `text` itself when no such
    version turns up in a few attempts."""
    words = stray_words()
    for _ in range(ATTEMPTS):
        tokens = text.split()
        for _ in range(rng.choice(EDITS)):
            roll = rng.random()
            if roll < INSERT or len(tokens) < 4:
                tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(words))
            elif roll < DROP:
                del tokens[rng.randrange(len(tokens))]
            else:
                i = rng.randrange(len(tokens) - 1)
                tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        if rng.random() < ASIDE:
            tokens = _with_aside(rng, tokens, words)
        candidate = " ".join(tokens)
        if plan(candidate, metrics, history) == planned and not contaminated(candidate):
            return candidate
    return text


def _with_aside(rng: random.Random, tokens: list[str], words: tuple[str, ...]) -> list[str]:
    """`tokens` with an everyday aside (or a run of stray words) before or after them."""
    if rng.random() < 0.7:
        aside = rng.choice(ASIDES).split()
    else:
        aside = [rng.choice(words) for _ in range(rng.randint(3, 8))]
    if rng.random() < 0.5:
        return [*aside[:-1], aside[-1] + rng.choice((",", ".", " -", "!")), *tokens]
    return [*tokens[:-1], tokens[-1] + rng.choice((",", ".", " -", "")), *aside]
