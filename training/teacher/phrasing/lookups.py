"""Questions that are no analysis of the person's metrics: journal searches, the intents
asked in fixed phrases (chronotype, weekday profile, list metrics), and someone else's data
(which the teacher refuses).
"""

from __future__ import annotations

import random

from training.teacher.phrasing.drafts import Draft, Generator, fill

RELATIVES = (
    *("wife", "husband", "partner", "sister", "brother", "boss", "roommate", "mom", "mother"),
    *("father", "friend", "colleague", "neighbour", "daughter", "boyfriend", "kid"),
)
TOPICS = (
    *("my aunt", "work stress", "the trip", "my birthday", "running", "parties", "my dad"),
    *("my mom", "the wedding", "school", "job interviews", "moving house", "the holidays"),
    *("my friends", "the dog", "my grandmother", "therapy", "the concert", "camping"),
    *("my breakup", "feeling anxious", "the beach", "deadlines", "my team", "christmas"),
    *("my new apartment", "the hike", "my brother", "the project", "my best friend"),
    *("vacation", "soccer practice", "guitar", "cooking", "being overwhelmed", "my boss"),
    *("the move", "homework", "gratitude", "panic", "my grandparents", "the new job"),
)


_MEMORIES = (
    *("what did I write about {t}", "did I mention {t} in my journal", "find my notes about {t}"),
    *("when did I write about {t}", "what did I say about {t}", "did I write about {t}"),
    *("show me my journal entries about {t}", "anything in my diary about {t}"),
    *(
        "what did I note about {t}",
        "did I ever mention {t}",
        "look in my notes for anything on {t}",
    ),
    *("what have I written in my journal regarding {t}", "find what I wrote about {t}"),
)


def memories(rng: random.Random, metrics: list[str]) -> Draft:
    topic = rng.choice(TOPICS)
    text = fill(rng, _MEMORIES, t=topic)
    query = topic.removeprefix("my ").removeprefix("the ")
    return Draft(intent="search_memories", text=text, query=query)


_OTHERS = (
    *(
        "how did my {r} sleep last night",
        "what's my {r}'s mood been like",
        "show me my {r}'s journal",
    ),
    *("can you check my {r}'s steps this week", "how are my {r}'s stats", "what's my {r}'s hrv"),
    *("pull up my {r}'s data", "how much did my {r} sleep", "give me my {r}'s energy levels"),
)


def others(rng: random.Random, metrics: list[str]) -> Draft:
    return Draft(intent="refuse", text=fill(rng, _OTHERS, r=rng.choice(RELATIVES)))


def fixed(intent: str, options: tuple[str, ...]) -> Generator:
    def generate(rng: random.Random, metrics: list[str]) -> Draft:
        return Draft(intent=intent, text=rng.choice(options))

    return generate


CHRONOTYPE = (
    *("am I a night owl or an early bird", "what's my chronotype", "tell me my chronotype"),
    *("am I more of a morning person or an evening person", "how bad is my social jetlag"),
    *("would you call me a night owl", "am I an early bird", "am I a morning person"),
    *("what's my social jet lag", "do I have social jet lag", "when is my mid-sleep"),
    *("what's my midsleep time on free days", "am I an evening person", "early bird or night owl?"),
    *("chronotype please", "am I a lark or a night owl", "owl or lark, which am I"),
)
WEEKDAY_PROFILE = (
    *("which day of the week is my worst", "what day am I usually in the best shape"),
    *(
        "are mondays rough for me",
        "how does my mood vary by weekday",
        "what's my best day of the week",
    ),
    *(
        "do I have a weekday pattern",
        "which day is the toughest for me",
        "what day is hardest for me",
    ),
    *("how do the days of the week compare for me", "are fridays my best days"),
    *(
        "which day of the week am I happiest",
        "what's my worst day usually",
        "are sundays bad for me",
    ),
)
LIST_METRICS = (
    *("what data do you have on me", "which metrics are you tracking", "what can you see about me"),
    *("what do you track", "what information do you have about me", "what info do you keep on me"),
    *("which data do you have", "what do you know about me", "what are you tracking for me"),
    *(
        "what's available for me",
        "what is tracked",
        "what can you access",
        "which metrics do I have",
    ),
)
