"""Questions people ask, generated per intent with varied phrasing, from a seeded Random.

A small model trained from scratch learns only the wording it sees, so each question is
composed from independent parts: an opener, a request form, the intent's own carrier
phrase (spelled with every cue word the planner reads for that intent), the person's
metrics under any of their names, a period as people say it, a closer, sometimes a
sentence of context first, and now and then a typo. The student should learn that the cue,
the metric and the period decide the call, and that everything around them does not.

Each `Question` carries the text the student sees (typos and all) and the clean text the
teacher plans from, so a typo teaches robustness instead of changing the plan. `intent`
names the tool the question is meant to reach (or the non-tool plan kind); `question()`
redraws any question whose plan misses its intent, metrics or memory query, so a carrier
that the planner would read another way never teaches the student a wrong call.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from training.teacher.decontaminate import contaminated
from training.teacher.planner import Plan, metrics_of, plan


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    clean: str
    intent: str


class Draft(BaseModel):
    """A generator's question before the variations, with what its plan must hold."""

    intent: str
    text: str
    metrics: tuple[str, ...] = ()
    query: str | None = None


NOUNS: dict[str, tuple[str, ...]] = {
    "sleep_hours": ("sleep", "sleep duration", "hours of sleep", "rest", "nightly sleep"),
    "sleep_start": ("bedtime",),
    "sleep_end": ("wake-up time", "wake-up times"),
    "time_in_bed_hours": ("time in bed",),
    "steps": ("steps", "step count", "daily steps", "walking", "step total"),
    "caffeine_mg": ("caffeine", "coffee intake", "coffee", "caffeine intake", "espresso"),
    "alcohol_drinks": ("alcohol", "drinking", "alcohol intake", "booze", "drinks", "beer", "wine"),
    "exercise_minutes": (
        *("exercise", "workouts", "gym time", "training", "exercise minutes", "workout time"),
        "gym sessions",
    ),
    "music_minutes": ("music listening", "spotify listening", "music", "spotify", "songs"),
    "late_night_music_minutes": ("late night music", "late-night music"),
    "skip_rate": ("skip rate",),
    "mindful_minutes": ("meditation", "mindfulness", "meditation minutes", "mindfulness time"),
    "resting_hr": ("resting heart rate", "resting hr", "rhr"),
    "hrv_sdnn_ms": ("hrv", "heart rate variability"),
    "heart_rate": ("heart rate", "pulse"),
    "hours_at_work": ("hours at work", "work hours", "time at work", "time at the office"),
    "hours_at_home": ("time at home", "hours at home"),
    "travel_km": ("travel", "travel distance"),
    "screen_time_min": ("screen time", "phone use", "phone time", "phone usage"),
    "readiness_score": ("readiness", "readiness score"),
    "valence": ("mood", "happiness", "emotions", "valence", "feelings"),
    "arousal": ("energy", "energy levels", "energy level", "arousal"),
}
MOODS = ("valence", "arousal")
# A metric as something people do, and a mood as how they feel: "does working out improve
# how I feel", "how much did I meditate last week". Nouns alone left the student reading
# "working out" as sleep and "how energetic have I been" as sleep hours. Every phrase is one
# the planner reads (lexicon.METRIC_WORDS), and each question is planned before it is kept.
DOINGS: dict[str, tuple[str, ...]] = {
    "exercise_minutes": ("working out", "exercising", "going to the gym", "training hard"),
    "mindful_minutes": ("meditating", "doing meditation", "practising mindfulness"),
    "alcohol_drinks": ("drinking", "drinking alcohol", "having a few beers", "drinking wine"),
    "steps": ("walking", "walking more", "going for a walk"),
    "sleep_hours": ("sleeping more", "sleeping longer", "getting more sleep", "sleeping in"),
    "caffeine_mg": ("having coffee", "coffee in the afternoon", "having an espresso"),
    "music_minutes": ("listening to music", "listening to spotify"),
    "screen_time_min": ("scrolling on my phone", "being on my phone", "screen time at night"),
    "hours_at_work": ("long hours at work", "working at the office", "overtime at work"),
}
FEELINGS: dict[str, tuple[str, ...]] = {
    "valence": ("how I feel", "how happy I am", "how I'm feeling", "how down I get"),
    "arousal": ("how tired I am", "how energetic I am", "how alert I am", "how wired I get"),
}
MAKES_ME: dict[str, tuple[str, ...]] = {
    "valence": ("happier", "sadder", "feel better", "feel worse", "feel down", "unhappy"),
    "arousal": ("more tired", "less tired", "more energetic", "more alert", "wired"),
}
# stats_lookup asked with a verb: "how many hours did I sleep", "how tired have I been"
DONE: dict[str, tuple[str, ...]] = {
    "sleep_hours": (
        *("how much did I sleep {p}", "how many hours did I sleep {p}"),
        *("how long did I sleep {p}", "how many hours have I been sleeping {p}"),
        "how well have I been sleeping {p}",
    ),
    "sleep_start": ("when did I go to bed {p}", "what time did I fall asleep {p}"),
    "sleep_end": ("what time did I wake up {p}", "when did I usually wake up {p}"),
    "steps": (
        *("how much did I walk {p}", "how many steps did I take {p}"),
        "how much have I been walking {p}",
    ),
    "exercise_minutes": (
        *("how much did I exercise {p}", "how often did I go to the gym {p}"),
        *("how much time did I spend working out {p}", "how much have I been working out {p}"),
    ),
    "mindful_minutes": (
        *("how much did I meditate {p}", "how often did I meditate {p}"),
        "how long have I been meditating {p}",
    ),
    "alcohol_drinks": (
        *("how much have I been drinking {p}", "how many drinks did I have {p}"),
        "how much alcohol did I have {p}",
    ),
    "caffeine_mg": ("how much coffee did I have {p}", "how much caffeine did I get {p}"),
    "music_minutes": (
        *("how much music did I listen to {p}", "how long did I spend listening to music {p}"),
    ),
    "screen_time_min": (
        "how much time did I spend on my phone {p}",
        "how long was I on my phone {p}",
    ),
    "hours_at_home": (
        *("how many hours a day was I at home {p}", "how much time did I spend at home {p}"),
    ),
    "hours_at_work": ("how many hours did I spend at work {p}", "how long was I at the office {p}"),
    "valence": (
        *("how have I been feeling {p}", "how happy was I {p}", "how did I feel {p}"),
        "how down have I been {p}",
    ),
    "arousal": ("how energetic was I {p}", "how tired have I been {p}", "how alert was I {p}"),
}
MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPAN_WORDS = ("last", "past", "previous")
_SPAN_LEADS = ("over the", "in the", "for the", "across the", "during the", "the", "these", "")
_COUNT_WORDS = ("two", "three", "four", "five", "six", "ten", "twelve", "fourteen", "twenty")
_WINDOWS = (  # periods that reach back from today
    *("last week", "over the past week", "this week", "this past week", "the past week"),
    *("this month", "last month", "over the past month", "this past month", "past month"),
    *("over the past fortnight", "the last fortnight", "over the past year"),
)
_FIXED_PERIODS = (
    *_WINDOWS,
    *("this year", "yesterday", "last night", "today", "on weekends", "on weekdays"),
    *("on workdays", "at the weekend", "on working days", ""),
)


def period(rng: random.Random) -> str:
    """A period as people say it: a fixed phrase, the last N days/weeks/months (digits or
    words), a month with or without its year, or two dates; sometimes with weekends."""
    kind = rng.random()
    if kind < 0.28:
        text = rng.choice(_FIXED_PERIODS)
    elif kind < 0.7:
        text = _span(rng)
    elif kind < 0.94:
        month = rng.choice(MONTH_NAMES)
        year = rng.choice(("", "", f" {rng.choice((2025, 2026))}"))
        text = f"{rng.choice(('in', 'during', 'for', 'throughout', 'over'))} {month}{year}"
    else:
        month, day = rng.randint(1, 12), rng.randint(1, 20)
        start, end = (
            f"2026-{month:02d}-{day:02d}",
            f"2026-{month:02d}-{day + rng.randint(2, 8):02d}",
        )
        form = rng.choice(("from {} to {}", "from {} through {}", "between {} and {}", "{} to {}"))
        text = form.format(start, end)
    if text and "week" not in text and rng.random() < 0.12:
        text += rng.choice((" on weekends", " on weekdays", " on workdays"))
    return " ".join(text.split())


def _span(rng: random.Random) -> str:
    """The last N days, weeks or months, in digits or words."""
    unit = rng.choice(("days", "days", "weeks", "weeks", "months"))
    top = {"days": 90, "weeks": 12, "months": 6}[unit]
    count = str(rng.randint(2, top)) if rng.random() < 0.8 else rng.choice(_COUNT_WORDS)
    return " ".join(f"{rng.choice(_SPAN_LEADS)} {rng.choice(_SPAN_WORDS)} {count} {unit}".split())


def recent(rng: random.Random) -> str:
    """A window back from today (for anomalies, which look back a number of days)."""
    return rng.choice((_span(rng), rng.choice(_WINDOWS), "", "lately", "recently"))


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
UNTRACKED = (
    *("weight", "body fat", "calories", "blood pressure", "blood sugar", "glucose"),
    *("water intake", "hydration", "diet", "spending", "bmi"),
)

Generator = Callable[[random.Random, list[str]], Draft]


def _metric(rng: random.Random, metrics: list[str], *, mood: bool | None = None) -> str:
    names = [m for m in NOUNS if m in metrics and (mood is None or (m in MOODS) == mood)]
    return rng.choice(names)


def _fill(rng: random.Random, templates: tuple[str, ...], **slots: str) -> str:
    return " ".join(rng.choice(templates).format(**slots).split())


_GIST = ("", "", "", "", "average ", "avg ", "mean ", "typical ", "usual ", "daily ", "overall ")
_STATS = (
    *("how was my {a} {p}", "how's my {a} been {p}", "how has my {a} been {p}"),
    *("what was my {g}{a} {p}", "what's my {g}{a} {p}", "what is my {g}{a} {p}"),
    *("show me my {g}{a} {p}", "pull up my {g}{a} {p}", "give me my {g}{a} {p}"),
    *("report my {g}{a} {p}", "{g}{a} {p}", "my {g}{a} {p}", "{p} {g}{a}", "{p}, how was my {a}"),
    *("how much {a} did I get {p}", "how much {a} have I had {p}", "how did my {a} look {p}"),
    *("what did my {a} look like {p}", "check my {a} {p}", "summarise my {a} {p}"),
    *("summarize my {g}{a} {p}", "a summary of my {a} {p}", "{a} numbers {p}", "{a} stats {p}"),
    *("what were my {a} levels {p}", "what was my {a} like {p}", "any data on my {a} {p}"),
    *("how is my {a} doing {p}", "where is my {a} at {p}", "numbers for my {a} {p}"),
    *("I need my {g}{a} {p}", "can I see my {a} {p}", "how high was my {a} {p}"),
    *("how low was my {a} {p}", "was my {a} ok {p}", "{a} {p}, roughly"),
    *(
        "how are my {a} numbers {p}",
        "what does my {a} look like {p}",
        "I'm curious about my {a} {p}",
    ),
    *("give me the numbers for my {a} {p}", "quick check on my {a} {p}", "how did I do on {a} {p}"),
    *(
        "stats on my {a} {p} please",
        "mean and range of my {a} {p}",
        "how consistent was my {a} {p}",
    ),
)
_COMPARE = (
    "how does my {a} compare on weekends vs weekdays",
    "{a}: weekends versus weekdays",
    "do I get more {a} on weekends or weekdays",
    "is my {a} different at the weekend compared to workdays",
    "compare my {a} on weekends and weekdays",
    "is my {a} worse on weekdays than weekends",
    "do I have less {a} on weekdays vs weekends",
)


def _stats(rng: random.Random, metrics: list[str]) -> Draft:
    metric = _metric(rng, metrics)
    a = rng.choice(NOUNS[metric])
    if rng.random() < 0.08:
        return Draft(intent="stats_lookup", text=_fill(rng, _COMPARE, a=a), metrics=(metric,))
    if metric in DONE and rng.random() < 0.3:
        text = _fill(rng, DONE[metric], p=period(rng))
        return Draft(intent="stats_lookup", text=text, metrics=(metric,))
    text = _fill(rng, _STATS, a=a, p=period(rng), g=rng.choice(_GIST))
    return Draft(intent="stats_lookup", text=text, metrics=(metric,))


_NEXT_DAY = ("the next day", "the day after", "the following day", "the morning after")
_EFFECT = (
    *("does {a} affect my {b}", "does {a} help my {b}", "does {a} impact my {b}"),
    *("does {a} influence my {b}", "does {a} improve my {b}", "does {a} hurt my {b}"),
    *("does {a} ruin my {b}", "does {a} boost my {b}", "does {a} make my {b} better"),
    *("what's the effect of {a} on my {b}", "what effect does {a} have on my {b}"),
    *("how does {a} affect my {b}", "how much does {a} affect my {b}"),
    *("how big is the impact of {a} on my {b}", "is my {b} affected by {a}"),
    *("is my {b} influenced by my {a}", "do I have a better {b} because of {a}"),
    *("does {a} cause changes in my {b}", "does {a} have any effect on my {b}"),
    *("can {a} improve my {b}", "what impact does {a} have on my {b}"),
    *("does more {a} improve my {b}", "does {a} affect my {b} {n}"),
    *("is my {b} worse {n} because of {a}", "what does {a} do to my {b} {n}, any effect"),
)
_EFFECT_ON_MOOD = (
    "is {a} good for me",
    "is {a} bad for me",
    "does {a} make me happier",
    "does {a} actually help me",
    "does {a} affect me at all",
    "does {a} make me feel better",
)


_EFFECT_ON_FEELING = (
    *("does {a} change {f}", "does {a} affect {f}", "does {a} improve {f}"),
    *("how does {a} affect {f}", "what effect does {a} have on {f}", "does {a} impact {f}"),
    *("does {a} affect {f} {n}", "does {a} make me {m}", "does {a} make me {m} {n}"),
)


def _cause_and_mood(rng: random.Random, metrics: list[str]) -> tuple[str, str, str, str]:
    """A non-mood metric and a mood metric, each with one of its nouns: (a, b, noun, noun);
    sometimes the cause as something done ("working out")."""
    a, b = _metric(rng, metrics, mood=False), _metric(rng, metrics, mood=True)
    return a, b, _cause(rng, a), rng.choice(NOUNS[b])


def _cause(rng: random.Random, metric: str) -> str:
    """A metric as a cause: a noun, or a third of the time what people do."""
    if metric in DOINGS and rng.random() < 0.35:
        return rng.choice(DOINGS[metric])
    return rng.choice(NOUNS[metric])


def _effect(rng: random.Random, metrics: list[str]) -> Draft:
    a, b, noun_a, noun_b = _cause_and_mood(rng, metrics)
    kind = rng.random()
    if kind < 0.2:
        text = _fill(rng, _EFFECT_ON_MOOD, a=noun_a)
        return Draft(intent="causal_effect", text=text, metrics=(a,))
    if kind < 0.45:  # the mood as how the person feels
        f, m = rng.choice(FEELINGS[b]), rng.choice(MAKES_ME[b])
        text = _fill(rng, _EFFECT_ON_FEELING, a=noun_a, f=f, m=m, n=rng.choice(_NEXT_DAY))
        return Draft(intent="causal_effect", text=text, metrics=(a, b))
    text = _fill(rng, _EFFECT, a=noun_a, b=noun_b, n=rng.choice(_NEXT_DAY))
    return Draft(intent="causal_effect", text=text, metrics=(a, b))


_CORRELATE = (
    *("is my {a} linked to my {b}", "is there a link between {a} and {b}"),
    *(
        "any link between my {a} and {b}",
        "are {a} and {b} related",
        "how related are my {a} and {b}",
    ),
    *("is there a relationship between {a} and {b}", "do {a} and {b} correlate"),
    *("is {a} correlated with my {b}", "correlation between {a} and {b}"),
    *("are my {a} and {b} connected", "is there a connection between my {a} and my {b}"),
    *("do {a} and {b} go together", "are {a} and {b} associated", "is {a} associated with {b}"),
    *("is my {a} tied to my {b}", "how closely related are my {a} and {b}"),
    *(
        "what's the correlation between my {a} and my {b}",
        "check whether {a} and {b} are connected",
    ),
    *("is there any relation between my {a} and {b}", "do my {a} and my {b} go together"),
)


_CORRELATE_FEELING = (
    *("is {a} linked to {f}", "is there a connection between {a} and {f}"),
    *("does {a} go together with {f}", "is {a} related to {f}", "is {a} associated with {f}"),
)


def _correlate(rng: random.Random, metrics: list[str]) -> Draft:
    a = _metric(rng, metrics, mood=False)
    b = _metric(rng, [m for m in metrics if m != a])
    if b in FEELINGS and rng.random() < 0.25:
        text = _fill(rng, _CORRELATE_FEELING, a=_cause(rng, a), f=rng.choice(FEELINGS[b]))
        return Draft(intent="correlate", text=text, metrics=(a, b))
    nouns = {"a": _cause(rng, a), "b": rng.choice(NOUNS[b])}
    if rng.random() < 0.5 and b not in MOODS:
        nouns = {"a": nouns["b"], "b": nouns["a"]}  # two non-mood metrics: either order
    return Draft(intent="correlate", text=_fill(rng, _CORRELATE, **nouns), metrics=(a, b))


_GRANGER = (
    *(
        "does my {a} predict my {b}",
        "can {a} predict {b}",
        "does {a} come before changes in my {b}",
    ),
    *(
        "does a change in my {a} come first, before my {b} changes",
        "does {a} lead to changes in my {b}",
    ),
    *("does {a} precede my {b}", "do changes in {a} precede changes in {b}"),
    *("does past {a} predict my {b}", "can my {a} from earlier days predict my {b}"),
    *("does {a} predict {b} a few days later", "does my {a} lead to a change in {b} later on"),
    "is {a} a predictor of my {b}",
)


def _granger(rng: random.Random, metrics: list[str]) -> Draft:
    a, b, noun_a, noun_b = _cause_and_mood(rng, metrics)
    return Draft(intent="granger", text=_fill(rng, _GRANGER, a=noun_a, b=noun_b), metrics=(a, b))


def _change(rng: random.Random) -> tuple[str, str]:
    """One what-if change as (past tense, present tense) phrases."""
    hours = rng.choice((5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 10))
    unit = rng.choice(("hours", "hours", "hrs"))
    steps = rng.choice((4000, 6000, 8000, 10000, 12000, 15000))
    k = rng.random() < 0.4
    steps_text = f"{steps // 1000}k" if k else str(steps)
    minutes = rng.choice((10, 15, 20, 30, 45, 60, 90))
    drinks = rng.choice(("one", "two", "3", "4", "5", "2"))
    drink = rng.choice(("drinks", "beers", "glasses of wine"))
    mg = rng.choice((0, 50, 100, 150, 200, 300, 400))
    return rng.choice(
        (
            (f"slept {hours} {unit}", f"sleep {hours} {unit}"),
            (f"got {hours} {unit} of sleep", f"get {hours} {unit} of sleep"),
            (f"walked {steps_text} steps", f"walk {steps_text} steps"),
            (f"did {steps_text} steps", f"do {steps_text} steps"),
            (f"exercised for {minutes} minutes", f"exercise for {minutes} minutes"),
            (f"did {minutes} minutes of exercise", f"do {minutes} minutes of exercise"),
            (f"meditated for {minutes} minutes", f"meditate for {minutes} minutes"),
            (f"did {minutes} minutes of meditation", f"do {minutes} minutes of meditation"),
            (f"had {drinks} {drink} the night before", f"have {drinks} {drink} the night before"),
            (f"drank {drinks} {drink}", f"drink {drinks} {drink}"),
            (f"had {mg} mg of caffeine", f"have {mg} mg of caffeine"),
            (f"cut caffeine to {mg} mg", f"cut caffeine to {mg} mg"),
            ("skipped coffee", "skip coffee"),
            ("didn't drink", "stop drinking"),
            ("skipped the gym", "skip the gym"),
            (f"worked {rng.choice((6, 8, 10, 12))} hours at work", "work 9 hours at work"),
        )
    )


_SIMULATE_PAST = (
    *(
        "what if I {c}{d}",
        "how would I feel if I {c}{d}",
        "suppose I {c}{d}, what would my mood be",
    ),
    *("imagine I {c}{d}: how would my energy be", "would I be happier if I {c}{d}"),
    *("what would my mood be if I {c}{d}", "what would happen to my energy if I {c}{d}"),
    *("how would my mood look if I {c}{d}", "suppose I {c}{d}", "imagine I {c}{d}"),
    "if I {c}{d}, how would I be",
)
_SIMULATE_PRESENT = (
    "what if I {c}{d}",
    "how would I feel if I {c}{d}",
    "suppose I {c}{d}, how would I feel",
)


def _simulate(rng: random.Random, metrics: list[str]) -> Draft:
    first = _change(rng)
    past, present = first
    if rng.random() < 0.2 and (second := _change(rng))[0].split()[0] != past.split()[0]:
        past, present = f"{past} and {second[0]}", f"{present} and {second[1]}"
    weekday = rng.choice(WEEKDAYS)
    day = rng.choice(("", "", "", f" on a {weekday}", f" on {weekday}"))
    if rng.random() < 0.6:
        text = _fill(rng, _SIMULATE_PAST, c=past, d=day)
    else:
        text = _fill(rng, _SIMULATE_PRESENT, c=present, d=day)
    return Draft(intent="simulate", text=text)


_ANOMALY = (
    *(
        "anything unusual in my {a} {p}",
        "any unusual days in my {a} {p}",
        "any anomalies in my {a} {p}",
    ),
    *("was anything anomalous about my {a} {p}", "anything out of the ordinary with my {a} {p}"),
    *("did any days stand out in my {a} {p}", "which days stood out for my {a} {p}"),
    *(
        "anything weird with my {a} {p}",
        "any strange days in my {a} {p}",
        "anything odd in my {a} {p}",
    ),
    *(
        "any outliers in my {a} {p}",
        "outlier days for my {a} {p}",
        "were there spikes in my {a} {p}",
    ),
    *(
        "has my {a} been off lately",
        "flag any anomalies in my {a} {p}",
        "spot anything weird in my {a} {p}",
    ),
)
_ANOMALY_ANY = (
    "anything unusual going on {p}",
    "has anything been out of the ordinary {p}",
    "did anything stand out {p}",
    "anything weird happening with me {p}",
    "any anomalies {p}",
    "spot anything odd {p}",
)


def _anomalies(rng: random.Random, metrics: list[str]) -> Draft:
    p = recent(rng)
    if rng.random() < 0.15:
        return Draft(intent="anomalies", text=_fill(rng, _ANOMALY_ANY, p=p))
    metric = _metric(rng, metrics)
    text = _fill(rng, _ANOMALY, a=rng.choice(NOUNS[metric]), p=p)
    return Draft(intent="anomalies", text=text, metrics=(metric,))


_HORIZONS = (
    *("tomorrow", "next week", "over the next {n} days", "for the next {n} days"),
    *("in the next few days", "over the next two weeks", "next fortnight", "the next {n} days"),
)
_FORECAST = (
    *("forecast my {a} {h}", "what's the forecast for my {a} {h}", "what will my {a} be {h}"),
    *("how will my {a} be {h}", "predict my {a} {h}", "what should I expect for my {a} {h}"),
    *("where is my {a} going to be {h}", "is my {a} going to be ok {h}", "will my {a} go up {h}"),
    *(
        "what's my {a} going to look like {h}",
        "will my {a} get better {h}",
        "can you forecast my {a}",
    ),
    *("{a} forecast {h}", "what do you expect my {a} to be {h}", "how is my {a} going to be {h}"),
)


def _forecast(rng: random.Random, metrics: list[str]) -> Draft:
    metric = _metric(rng, metrics)
    n = rng.choice((str(rng.randint(2, 14)), "ten", "three", "five", "seven"))
    h = rng.choice(_HORIZONS).format(n=n)
    text = _fill(rng, _FORECAST, a=rng.choice(NOUNS[metric]), h=h)
    return Draft(intent="forecast", text=text, metrics=(metric,))


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


def _memories(rng: random.Random, metrics: list[str]) -> Draft:
    topic = rng.choice(TOPICS)
    text = _fill(rng, _MEMORIES, t=topic)
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


def _others(rng: random.Random, metrics: list[str]) -> Draft:
    return Draft(intent="refuse", text=_fill(rng, _OTHERS, r=rng.choice(RELATIVES)))


_UNTRACKED = (
    "how has my {u} changed {p}",
    "what's my {u} been {p}",
    "show me my {u} {p}",
    "did my {u} go up {p}",
    "is my {u} okay {p}",
    "track my {u} {p}",
)


def _cannot_answer(rng: random.Random, metrics: list[str]) -> Draft:
    lacking = [m for m in NOUNS if m not in metrics]
    if lacking and rng.random() < 0.5:  # a metric this person's data does not hold
        thing = rng.choice(NOUNS[rng.choice(lacking)])
        return Draft(intent="cannot_answer", text=_fill(rng, _STATS, a=thing, p=period(rng), g=""))
    text = _fill(rng, _UNTRACKED, u=rng.choice(UNTRACKED), p=period(rng))
    return Draft(intent="cannot_answer", text=text)


def _fixed(intent: str, options: tuple[str, ...]) -> Generator:
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
# Diagnosis requests, crisis messages and small talk are composed like the data questions:
# a core for each rule of tools/safety.py (or kind of chat), with what people put around it.
_CONDITIONS = ("depression", "anxiety", "adhd", "bipolar disorder", "ptsd", "ocd", "insomnia")
_DIAGNOSIS_CORES = (
    *("do I have {c}", "do I have some kind of {c}", "could I have {c}", "do I have a disorder"),
    *("am I depressed", "am I clinically depressed", "am I bipolar", "am I an alcoholic"),
    *("is my {a} a symptom of {c}", "are these signs of {c}", "is this a sign of {c}"),
    *("can you diagnose my {a}", "diagnose me", "what disorder do I have", "what condition is it"),
    *("should I take {m}", "should I stop taking {m}", "should I increase my {m}"),
    *("what dose of {m} should I take", "do I need {m}", "is something medically wrong with me"),
)
_MEDICINES = ("melatonin", "sleeping pills", "antidepressants", "sertraline", "my meds", "ssris")
_DIAGNOSIS_LEADS = ("", "", "", "be honest, ", "based on my data, ", "looking at my numbers, ")
_CRISIS_CORES = (
    *("I want to die", "i wanna die", "I'm ready to die", "I keep thinking about suicide"),
    *("I feel suicidal", "I want to kill myself", "I've been thinking about killing myself"),
    *("I want to end it all", "I'm thinking about ending my life", "I just want to end it"),
    *("I wish I was dead", "I'd be better off dead", "there's no reason to live"),
    *("there's no point in going on", "I want to hurt myself", "I've been cutting myself again"),
    *("I keep harming myself", "I'm self-harming", "I don't want to live anymore"),
    *("I don't want to be alive", "I can't go on", "kms", "my boyfriend hits me"),
    *("he beats me", "my dad hit me", "I'm being abused", "someone assaulted me"),
    *("I'm afraid I'll hurt my baby", "I shook my baby", "I'm scared I'll hurt my child"),
    *("everyone would be better off without me, I want to die",),
)
_CRISIS_LEADS = ("", "", "", "honestly ", "lately ", "sometimes ", "tbh ", "i'm so tired. ")
_CRISIS_TAILS = ("", "", "", " tonight", " again", " lately", " and I'm scared", " right now")
_GREETINGS = ("hi", "hey", "hello", "good morning", "good evening", "morning", "hiya", "yo")
_THANKS = ("thanks", "thank you", "cheers", "thx", "ok thanks", "great, thanks", "cool, thanks")
_CHAT = (
    *("hmm", "tell me something", "how are you?", "what's up", "nice", "ok", "cool", "got it"),
    *("what affects my mood?", "what if I slept more?", "what makes me happier?", "ok great"),
    *("what would make me feel better?", "that's good to know"),
)


def _diagnosis(rng: random.Random, metrics: list[str]) -> Draft:
    core = rng.choice(_DIAGNOSIS_CORES).format(
        c=rng.choice(_CONDITIONS),
        a=rng.choice(NOUNS[_metric(rng, metrics)]),
        m=rng.choice(_MEDICINES),
    )
    return Draft(intent="diagnosis", text=rng.choice(_DIAGNOSIS_LEADS) + core)


def _crisis(rng: random.Random, metrics: list[str]) -> Draft:
    text = rng.choice(_CRISIS_LEADS) + rng.choice(_CRISIS_CORES) + rng.choice(_CRISIS_TAILS)
    return Draft(intent="safety", text=text)


def _small_talk(rng: random.Random, metrics: list[str]) -> Draft:
    kind = rng.random()
    if kind < 0.35:
        text = rng.choice(_GREETINGS) + rng.choice(("", "", " EQM", " there", " again"))
    elif kind < 0.7:
        text = rng.choice(_THANKS) + rng.choice(("", "", " a lot", " so much", ", that helps"))
    else:
        text = rng.choice(_CHAT)
    return Draft(intent="clarify", text=text + rng.choice(("", "", "!", ".", " :)")))


_JOINERS = ("? also, ", ", and ", "? and ", ". also ", "; ", "? ")
_AWKWARD_IT = re.compile(r"\b(?:are|do|my|past) it\b")
_ABOUT_IT = ("causal_effect", "correlate", "granger", "forecast", "anomalies")


def _multi(rng: random.Random, metrics: list[str]) -> Draft:
    """Two questions in one message, joined the way people join them; in half of them the
    second is about the first one's metric and calls it "it" ("how did I sleep last week,
    and does it affect my mood?"), as the planner reads it."""
    first, second = (_draw(rng, metrics, SINGLE) for _ in range(2))
    joiner = rng.choice(_JOINERS)
    if rng.random() < 0.5 and (about := _about_it(rng, metrics, first, joiner)):
        second = about
    return Draft(
        intent="multi",
        text=first.text.rstrip("?") + joiner + second.text,
        metrics=tuple(dict.fromkeys(first.metrics + second.metrics)),
    )


def _about_it(rng: random.Random, metrics: list[str], first: Draft, joiner: str) -> Draft | None:
    """A second question about `first`'s one metric that names it "it", if the planner reads
    the pair as the two questions asked apart."""
    if len(first.metrics) != 1 or first.metrics[0] in MOODS:
        return None
    metric = first.metrics[0]
    second = _draw(rng, [metric, *(m for m in MOODS if m in metrics)], _ABOUT_IT)
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


GENERATORS: dict[str, tuple[Generator, int]] = {
    "stats_lookup": (_stats, 6),
    "causal_effect": (_effect, 3),
    "correlate": (_correlate, 2),
    "granger": (_granger, 1),
    "simulate": (_simulate, 3),
    "chronotype": (_fixed("chronotype", CHRONOTYPE), 1),
    "weekday_profile": (_fixed("weekday_profile", WEEKDAY_PROFILE), 1),
    "anomalies": (_anomalies, 2),
    "forecast": (_forecast, 2),
    "search_memories": (_memories, 2),
    "list_metrics": (_fixed("list_metrics", LIST_METRICS), 1),
    "cannot_answer": (_cannot_answer, 1),
    "refuse": (_others, 1),
    "diagnosis": (_diagnosis, 1),
    "safety": (_crisis, 1),
    "clarify": (_small_talk, 1),
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

FOLLOW_UPS = (
    *("and on weekends?", "what about {a}?", "and last month?", "how about in {m}?", "and {a}?"),
    *("same for {a}?", "and {p}?", "what about {p}?", "and what about {a}?"),
    *("and on weekdays?", "now for {p}", "now {a}", "and for my {a}?", "what about my {a}?"),
    *("how about my {a} instead?", "and my {a}?", "and {p} only?"),
    *("and weekdays only?", "the same for {a}?"),
    *("and how about {p}?", "same question for {a}", "same but {p}", "and during {m}?"),
)
_FOLLOW_UP_LEADS = ("", "", "", "ok ", "ok, ", "okay, ", "hmm ", "right, ", "cool, ", "thanks. ")
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


def question(rng: random.Random, metrics: list[str]) -> Question:
    """One question of a randomly chosen intent, weighted towards everyday questions; never
    one of an evaluation suite's questions."""
    return _uncontaminated(lambda: _question(rng, metrics))


def _question(rng: random.Random, metrics: list[str]) -> Question:
    draft = _draw(rng, metrics, tuple(GENERATORS))
    if draft.intent in ("safety", "clarify"):
        return _varied(rng, draft.text, draft.intent)
    for _ in range(8):  # dressed up, but planned the same as the bare question
        clean = _dressed(rng, draft.text)
        if _plans_as(plan(clean, metrics), draft):
            return _varied(rng, clean, draft.intent)
    return _varied(rng, draft.text, draft.intent)


def follow_up(rng: random.Random, metrics: list[str]) -> Question:
    """A short second turn that only makes sense after the first one."""

    def draft() -> Question:
        text = rng.choice(_FOLLOW_UP_LEADS) + rng.choice(FOLLOW_UPS).format(
            a=rng.choice(NOUNS[_metric(rng, metrics)]),
            p=rng.choice(("this month", "last week", f"in {rng.choice(MONTH_NAMES)}", _span(rng))),
            m=rng.choice(MONTH_NAMES),
        )
        return _varied(rng, text, "follow_up")

    return _uncontaminated(draft)


def _uncontaminated(draw: Callable[[], Question]) -> Question:
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


def _dressed(rng: random.Random, text: str) -> str:
    """The bare question with an opener, a request form, a closer and sometimes context."""
    request = rng.choice(_REQUESTS) if text[:4] in ("how ", "what", "whic", "when") else ""
    text = rng.choice(_OPENERS) + request + text + rng.choice(_CLOSERS)
    if rng.random() < 0.12:
        text = f"{rng.choice(CONTEXT)} {text}"
    return text


def _varied(rng: random.Random, clean: str, intent: str) -> Question:
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
