"""Questions people ask, generated per intent with varied phrasing, from a seeded Random.

Each `Question` carries the text the student sees (with the odd typo) and the clean text
the teacher plans from, so a typo teaches robustness instead of changing the plan. `intent`
names the tool the question is meant to reach (or the non-tool plan kind), for tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    clean: str
    intent: str


NOUNS: dict[str, tuple[str, ...]] = {
    "sleep_hours": ("sleep", "sleep duration", "hours of sleep", "rest"),
    "sleep_start": ("bedtime",),
    "sleep_end": ("wake-up time", "wake-up times"),
    "time_in_bed_hours": ("time in bed",),
    "steps": ("steps", "step count", "daily steps", "walking"),
    "caffeine_mg": ("caffeine", "coffee intake", "coffee", "caffeine intake"),
    "alcohol_drinks": ("alcohol", "drinking", "alcohol intake", "booze"),
    "exercise_minutes": ("exercise", "workouts", "gym time", "training", "exercise minutes"),
    "music_minutes": ("music listening", "spotify listening", "music", "spotify"),
    "late_night_music_minutes": ("late night music", "late-night music"),
    "skip_rate": ("skip rate",),
    "mindful_minutes": ("meditation", "mindfulness", "meditation minutes"),
    "resting_hr": ("resting heart rate", "resting hr", "rhr"),
    "hrv_sdnn_ms": ("hrv", "heart rate variability"),
    "heart_rate": ("heart rate", "pulse"),
    "hours_at_work": ("hours at work", "work hours", "time at work"),
    "hours_at_home": ("time at home", "hours at home"),
    "travel_km": ("travel", "travel distance"),
    "screen_time_min": ("screen time", "phone use", "phone time"),
    "readiness_score": ("readiness", "readiness score"),
    "valence": ("mood", "happiness", "emotions", "valence"),
    "arousal": ("energy", "energy levels", "energy level", "arousal"),
}
MOODS = ("valence", "arousal")
_SPAN_WORDS = ("last", "past", "previous")
_SPAN_LEADS = ("over the", "in the", "for the", "across the", "during the", "the", "")
_COUNT_WORDS = ("two", "three", "four", "five", "six", "ten", "twelve", "fourteen", "twenty")
MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)
_FIXED_PERIODS = (
    "last week",
    "over the past week",
    "this week",
    "this month",
    "last month",
    "over the past month",
    "over the past fortnight",
    "over the past year",
    "yesterday",
    "last night",
    "on weekends",
    "on weekdays",
    "on workdays",
    "",
)


def period(rng: random.Random) -> str:
    """A period as people say it: a fixed phrase, the last N days/weeks/months (digits or
    words), or a month with or without its year, sometimes with weekends or weekdays."""
    kind = rng.random()
    if kind < 0.3:
        text = rng.choice(_FIXED_PERIODS)
    elif kind < 0.75:
        unit = rng.choice(("days", "days", "weeks", "weeks", "months"))
        top = {"days": 90, "weeks": 12, "months": 6}[unit]
        count = str(rng.randint(2, top)) if rng.random() < 0.8 else rng.choice(_COUNT_WORDS)
        lead, word = rng.choice(_SPAN_LEADS), rng.choice(_SPAN_WORDS)
        text = f"{lead} {word} {count} {unit}"
    else:
        month = rng.choice(MONTH_NAMES)
        year = rng.choice(("", "", f" {rng.choice((2025, 2026))}"))
        text = f"{rng.choice(('in', 'during', 'for', 'throughout'))} {month}{year}"
    if text and "week" not in text and rng.random() < 0.12:
        text += rng.choice((" on weekends", " on weekdays"))
    return " ".join(text.split())


PERIODS = (
    "last week",
    "over the past week",
    "in the last 10 days",
    "this month",
    "in May",
    "in March",
    "over the last two weeks",
)
RECENT = ("last week", "over the past week", "in the last 10 days", "this month", "lately", "")
RELATIVES = ("wife", "husband", "partner", "sister", "brother", "boss", "roommate", "mom")
TOPICS = ("my sister", "work stress", "the trip", "my birthday", "running", "parties", "my dad")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Generator = Callable[[random.Random, list[str]], tuple[str, str]]


def _noun(rng: random.Random, metrics: list[str], *, mood: bool | None = None) -> str:
    names = [m for m in NOUNS if m in metrics and (mood is None or (m in MOODS) == mood)]
    return rng.choice(NOUNS[rng.choice(names)])


def _fill(rng: random.Random, templates: tuple[str, ...], **slots: str) -> str:
    return " ".join(rng.choice(templates).format(**slots).split())


def _stats(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    templates = (
        "how was my {a} {p}?",
        "what was my average {a} {p}?",
        "give me a summary of my {a} {p}",
        "{a} {p}?",
        "could you tell me how my {a} has been {p}?",
        "how's my {a} looking {p}",
        "I'd like to know the mean and range of my {a} {p}.",
        "what's my typical {a} {p}?",
        "average {a} {p}",
        "can you summarise my {a} {p}?",
        "stats on my {a} {p} please",
        "how good was my {a} {p}?",
        "was my {a} ok {p}?",
        "what were my {a} numbers {p}?",
        "mean {a} {p}?",
        "how much {a} did I get {p}?",
        "I'm curious about my {a} {p}",
        "give me the numbers for my {a} {p}",
        "quick check on my {a} {p}",
        "how did I do on {a} {p}?",
    )
    return "stats_lookup", _fill(rng, templates, a=_noun(rng, metrics), p=period(rng))


def _effect(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    templates = (
        "does {a} affect my {b}?",
        "does {a} help my {b}",
        "what's the effect of {a} on my {b}?",
        "does {a} have an impact on my {b}?",
        "is {a} actually good for me?",
        "does {a} make me happier?",
        "does {a} the day before influence my {b} the next day?",
        "what impact does {a} have on my {b}?",
        "is my {b} affected by my {a}?",
        "does more {a} improve my {b}?",
        "how much does {a} affect my {b}?",
        "does {a} boost my {b}?",
        "does {a} influence how my {b} is?",
        "do I get a better {b} because of {a}?",
    )
    a, b = _noun(rng, metrics, mood=False), _noun(rng, metrics, mood=True)
    return "causal_effect", _fill(rng, templates, a=a, b=b)


def _correlate(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    templates = (
        "is my {a} linked to my {b}?",
        "is there a connection between {a} and {b}?",
        "how are {a} and {b} related for me?",
        "do {a} and {b} correlate?",
        "is there any relationship between my {a} and my {b}",
        "are {a} and {b} associated for me?",
        "any link between {a} and {b}?",
        "do my {a} and my {b} go together?",
        "how closely related are my {a} and {b}?",
        "is {a} correlated with {b} for me?",
        "what's the correlation between my {a} and my {b}?",
        "check whether {a} and {b} are connected",
    )
    a, b = _noun(rng, metrics, mood=False), _noun(rng, metrics)
    return "correlate", _fill(rng, templates, a=a, b=b)


def _granger(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    templates = (
        "does my {a} predict my {b}?",
        "does {a} come before changes in my {b}?",
        "does {a} lead to a change in {b} a few days later?",
        "can my {a} predict how my {b} will be?",
        "does {a} predict {b} a few days later?",
        "does a change in my {a} come first, before my {b} changes?",
        "do changes in {a} precede changes in my {b}?",
        "can past {a} predict my {b}?",
    )
    a, b = _noun(rng, metrics, mood=False), _noun(rng, metrics, mood=True)
    return "granger", _fill(rng, templates, a=a, b=b)


def _simulate(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    change = rng.choice(
        (
            f"slept {rng.choice((6, 7, 7.5, 8, 9))} hours",
            f"walked {rng.choice((6, 8, 10, 12))}k steps",
            f"had {rng.choice(('two', '3', 'one'))} drinks the night before",
            f"worked {rng.choice((6, 8, 10))} hours at work",
            "skipped coffee",
        )
    )
    day = rng.choice(("", "", f" on a {rng.choice(WEEKDAYS)}"))
    templates = (
        "what if I {c}{d}?",
        "how would I feel if I {c}{d}?",
        "suppose I {c}{d}, what would my mood be?",
        "imagine I {c}{d}: how would my energy be?",
    )
    return "simulate", _fill(rng, templates, c=change, d=day)


def _fixed(intent: str, options: tuple[str, ...]) -> Generator:
    def generate(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
        return intent, rng.choice(options)

    return generate


def _anomalies(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    templates = (
        "anything unusual in my {a} {p}?",
        "did anything stand out lately?",
        "were there any weird days in my {a} over the last month?",
        "any outliers in my {a}?",
        "has anything been out of the ordinary recently?",
        "any strange days in my {a} {p}?",
        "were there spikes in my {a} {p}?",
        "anything odd about my {a} {p}?",
        "did my {a} have any unusual days {p}?",
        "flag any anomalies in my {a} {p}",
        "which days stood out in my {a} {p}?",
    )
    return "anomalies", _fill(rng, templates, a=_noun(rng, metrics), p=rng.choice(RECENT))


def _forecast(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    templates = (
        "how many steps will I do next week?",
        "what's the forecast for my {a} for the next {n} days?",
        "what will my {a} be like tomorrow?",
        "predict my {a} for next week",
        "how is my {a} going to be over the next two weeks?",
        "what should I expect for my {a} over the next {n} days?",
        "where is my {a} going to be next week?",
        "will my {a} go up over the next {n} days?",
        "what's my {a} going to look like tomorrow?",
        "can you forecast my {a}?",
    )
    n = rng.choice((str(rng.randint(2, 14)), "ten", "three", "five"))
    return "forecast", _fill(rng, templates, a=_noun(rng, metrics), n=n)


def _memories(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    templates = (
        "what did I write about {t}?",
        "did I mention {t} in my journal?",
        "find my notes about {t}",
        "when did I write about {t}?",
    )
    return "search_memories", _fill(rng, templates, t=rng.choice(TOPICS))


def _others(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    templates = (
        "how did my {r} sleep last night?",
        "what's my {r}'s mood been like?",
        "show me my {r}'s journal",
        "can you check my {r}'s steps this week?",
    )
    return "refuse", _fill(rng, templates, r=rng.choice(RELATIVES))


def _multi(rng: random.Random, metrics: list[str]) -> tuple[str, str]:
    a = _noun(rng, metrics, mood=False)
    templates = (
        "how was my {a} {p} and does it affect my mood?",
        "what was my average {a} {p}, and is it linked to my energy?",
        "how was my {a} {p}? also, am I a night owl?",
        "any outliers in my {a} lately and what will it be like next week?",
    )
    return "multi", _fill(rng, templates, a=a, p=rng.choice(PERIODS))


GENERATORS: dict[str, tuple[Generator, int]] = {
    "stats_lookup": (_stats, 6),
    "causal_effect": (_effect, 3),
    "correlate": (_correlate, 2),
    "granger": (_granger, 1),
    "simulate": (_simulate, 3),
    "chronotype": (
        _fixed(
            "chronotype",
            (
                "am I a night owl or an early bird?",
                "what's my chronotype",
                "am I more of a morning person or an evening person?",
                "how bad is my social jetlag?",
            ),
        ),
        1,
    ),
    "weekday_profile": (
        _fixed(
            "weekday_profile",
            (
                "which day of the week is my worst?",
                "what day am I usually in the best shape?",
                "are mondays rough for me?",
                "how does my mood vary by weekday?",
            ),
        ),
        1,
    ),
    "anomalies": (_anomalies, 2),
    "forecast": (_forecast, 2),
    "search_memories": (_memories, 2),
    "list_metrics": (
        _fixed(
            "list_metrics",
            (
                "what data do you have on me?",
                "which metrics are you tracking?",
                "what can you see about me?",
                "what do you track",
            ),
        ),
        1,
    ),
    "cannot_answer": (
        _fixed(
            "cannot_answer",
            (
                "how has my weight changed this year?",
                "did my blood pressure go up last month?",
                "how many calories did I eat yesterday?",
                "is my blood sugar okay lately?",
            ),
        ),
        1,
    ),
    "refuse": (_others, 1),
    "diagnosis": (
        _fixed(
            "diagnosis",
            (
                "do I have depression?",
                "should I take melatonin to sleep better?",
                "am I depressed?",
                "can you diagnose what's wrong with my sleep?",
                "what dose of sertraline should I be on?",
            ),
        ),
        1,
    ),
    "safety": (
        _fixed(
            "safety",
            (
                "I want to die",
                "sometimes I think about killing myself",
                "there's no reason to live anymore",
                "i might hurt myself tonight",
                "kms honestly",
                "he hits me when he drinks",
                "I'm scared I'll hurt my child",
            ),
        ),
        1,
    ),
    "clarify": (
        _fixed(
            "clarify",
            ("hmm", "tell me something", "what affects my mood?", "what if I slept more?"),
        ),
        1,
    ),
    "multi": (_multi, 2),
}
FOLLOW_UPS = ("and on weekends?", "what about {a}?", "and last month?", "how about in May?")
_PREFIXES = ("", "", "", "hey, ", "quick question: ", "EQM, ", "so ", "ok ")
_SUFFIXES = ("", "", "", " thanks", " pls", " :)")


def question(rng: random.Random, metrics: list[str]) -> Question:
    """One question of a randomly chosen intent, weighted towards everyday questions."""
    names = list(GENERATORS)
    generate = GENERATORS[rng.choices(names, weights=[GENERATORS[n][1] for n in names])[0]][0]
    intent, clean = generate(rng, metrics)
    return _varied(rng, clean, intent)


def follow_up(rng: random.Random, metrics: list[str]) -> Question:
    """A short second turn that only makes sense after the first one."""
    text = rng.choice(FOLLOW_UPS).format(a=_noun(rng, metrics))
    return _varied(rng, text, "follow_up")


def _varied(rng: random.Random, clean: str, intent: str) -> Question:
    if intent not in ("safety", "follow_up"):
        clean = rng.choice(_PREFIXES) + clean + rng.choice(_SUFFIXES)
    clean = clean[0].upper() + clean[1:] if rng.random() < 0.5 else clean.lower()
    if rng.random() < 0.3:
        clean = clean.rstrip("?")
    text = _typo(rng, clean) if rng.random() < 0.15 else clean
    return Question(text=text, clean=clean, intent=intent)


def _typo(rng: random.Random, text: str) -> str:
    """Swap two neighbouring letters in one longer word, as fast typing does."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    j = rng.randrange(1, len(words[i]) - 2)
    word = words[i]
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)
