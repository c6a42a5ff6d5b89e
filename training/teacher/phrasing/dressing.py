"""What people put around a question, and how they type it: an opener, a request form, a
closer, sometimes a sentence of context first; the case, a dropped "?", now and then a typo.

The student should learn that none of it changes the call; `intents.question()` keeps a
dressing only if the planner reads the dressed question the same as the bare one.
"""

from __future__ import annotations

import random

from training.teacher.phrasing.drafts import Question

_OPENERS = (
    *(
        "",
        "",
        "",
        "",
        "",
        "",
        "hey, ",
        "hi, ",
        "quick question: ",
        "EQM, ",
        "so ",
        "ok ",
        "okay so ",
    ),
    *("hmm, ", "question: ", "hey EQM, ", "um ", "right, ", "I was wondering, ", "just curious: "),
)
_REQUESTS = (
    *("", "", "", "", "", "can you tell me ", "could you tell me ", "tell me ", "please tell me "),
    *("I want to know ", "I'd like to know ", "do you know ", "help me understand "),
)
_CLOSERS = (
    *("", "", "", "?", "?", "?", " please", " pls", " thanks", ", thank you", " :)", " for me"),
    *(" if you can", ", I'm curious", " real quick", "?? thanks", ". cheers"),
)
CONTEXT = (
    "I've been a bit all over the place.",
    "my therapist suggested I look at this.",
    "things have been hectic.",
    "I'm trying to get a better picture of myself.",
    "long story short,",
    "not sure if this matters, but",
    "random question,",
    "been thinking about habits.",
    "I'm trying to build better routines.",
    "this might be silly,",
    "I started a new job a while ago.",
    "it's been a long month.",
    "trying to understand myself better.",
    "my friend asked me about this.",
    "I'm making some changes.",
    "bit of a strange one,",
    "I'm on holiday now.",
    "I have a big exam coming up.",
    "just got back from visiting family.",
    "my week was chaotic.",
    "I'm journaling more these days.",
    "I want to be healthier.",
)


def dressed(rng: random.Random, text: str) -> str:
    """The bare question with an opener, a request form, a closer and sometimes context."""
    request = rng.choice(_REQUESTS) if text[:4] in ("how ", "what", "whic", "when") else ""
    text = rng.choice(_OPENERS) + request + text + rng.choice(_CLOSERS)
    if rng.random() < 0.12:
        text = f"{rng.choice(CONTEXT)} {text}"
    return text


def varied(rng: random.Random, clean: str, intent: str) -> Question:
    clean = " ".join(clean.split())
    clean = clean[0].upper() + clean[1:] if rng.random() < 0.5 else clean.lower()
    if rng.random() < 0.3:
        clean = clean.rstrip("?")
    text = clean
    for _ in range(rng.choice((1, 1, 2))):
        if rng.random() < 0.2:
            text = _typo(rng, text)
    return Question(text=text, clean=clean, intent=intent)


def _typo(rng: random.Random, text: str) -> str:
    """One slip in a longer word: two letters swapped, one dropped or one doubled."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    word, j = words[i], rng.randrange(1, len(words[i]) - 2)
    words[i] = rng.choice(
        (
            word[:j] + word[j + 1] + word[j] + word[j + 2 :],
            word[:j] + word[j + 1 :],
            word[:j] + word[j] + word[j:],
        )
    )
    return " ".join(words)
