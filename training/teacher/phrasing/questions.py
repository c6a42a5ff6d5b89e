"""The analysis questions: stats, effect, correlation, Granger, what-if, anomalies,
forecast, and a stats question about a metric the person does not track (cannot_answer).

Each generator composes an intent's carrier phrase with the person's metrics (and a period
or horizon) into a `Draft`; the templates spell every cue word the planner reads for it.
"""

from __future__ import annotations

import random

from training.teacher.phrasing.drafts import Draft, fill, pick_metric
from training.teacher.phrasing.periods import WEEKDAYS, period, recent
from training.teacher.phrasing.words import DOINGS, DONE, FEELINGS, MAKES_ME, MOODS, NOUNS

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


def stats(rng: random.Random, metrics: list[str]) -> Draft:
    metric = pick_metric(rng, metrics)
    a = rng.choice(NOUNS[metric])
    if rng.random() < 0.08:
        return Draft(intent="stats_lookup", text=fill(rng, _COMPARE, a=a), metrics=(metric,))
    if metric in DONE and rng.random() < 0.3:
        text = fill(rng, DONE[metric], p=period(rng))
        return Draft(intent="stats_lookup", text=text, metrics=(metric,))
    text = fill(rng, _STATS, a=a, p=period(rng), g=rng.choice(_GIST))
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
    a, b = pick_metric(rng, metrics, mood=False), pick_metric(rng, metrics, mood=True)
    return a, b, _cause(rng, a), rng.choice(NOUNS[b])


def _cause(rng: random.Random, metric: str) -> str:
    """A metric as a cause: a noun, or a third of the time what people do."""
    if metric in DOINGS and rng.random() < 0.35:
        return rng.choice(DOINGS[metric])
    return rng.choice(NOUNS[metric])


def effect(rng: random.Random, metrics: list[str]) -> Draft:
    a, b, noun_a, noun_b = _cause_and_mood(rng, metrics)
    kind = rng.random()
    if kind < 0.2:
        text = fill(rng, _EFFECT_ON_MOOD, a=noun_a)
        return Draft(intent="causal_effect", text=text, metrics=(a,))
    if kind < 0.45:  # the mood as how the person feels
        f, m = rng.choice(FEELINGS[b]), rng.choice(MAKES_ME[b])
        text = fill(rng, _EFFECT_ON_FEELING, a=noun_a, f=f, m=m, n=rng.choice(_NEXT_DAY))
        return Draft(intent="causal_effect", text=text, metrics=(a, b))
    text = fill(rng, _EFFECT, a=noun_a, b=noun_b, n=rng.choice(_NEXT_DAY))
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


def correlate(rng: random.Random, metrics: list[str]) -> Draft:
    a = pick_metric(rng, metrics, mood=False)
    b = pick_metric(rng, [m for m in metrics if m != a])
    if b in FEELINGS and rng.random() < 0.25:
        text = fill(rng, _CORRELATE_FEELING, a=_cause(rng, a), f=rng.choice(FEELINGS[b]))
        return Draft(intent="correlate", text=text, metrics=(a, b))
    nouns = {"a": _cause(rng, a), "b": rng.choice(NOUNS[b])}
    if rng.random() < 0.5 and b not in MOODS:
        nouns = {"a": nouns["b"], "b": nouns["a"]}  # two non-mood metrics: either order
    return Draft(intent="correlate", text=fill(rng, _CORRELATE, **nouns), metrics=(a, b))


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


def granger(rng: random.Random, metrics: list[str]) -> Draft:
    a, b, noun_a, noun_b = _cause_and_mood(rng, metrics)
    return Draft(intent="granger", text=fill(rng, _GRANGER, a=noun_a, b=noun_b), metrics=(a, b))


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


def simulate(rng: random.Random, metrics: list[str]) -> Draft:
    first = _change(rng)
    past, present = first
    if rng.random() < 0.2 and (second := _change(rng))[0].split()[0] != past.split()[0]:
        past, present = f"{past} and {second[0]}", f"{present} and {second[1]}"
    weekday = rng.choice(WEEKDAYS)
    day = rng.choice(("", "", "", f" on a {weekday}", f" on {weekday}"))
    if rng.random() < 0.6:
        text = fill(rng, _SIMULATE_PAST, c=past, d=day)
    else:
        text = fill(rng, _SIMULATE_PRESENT, c=present, d=day)
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


def anomalies(rng: random.Random, metrics: list[str]) -> Draft:
    p = recent(rng)
    if rng.random() < 0.15:
        return Draft(intent="anomalies", text=fill(rng, _ANOMALY_ANY, p=p))
    metric = pick_metric(rng, metrics)
    text = fill(rng, _ANOMALY, a=rng.choice(NOUNS[metric]), p=p)
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


def forecast(rng: random.Random, metrics: list[str]) -> Draft:
    metric = pick_metric(rng, metrics)
    n = rng.choice((str(rng.randint(2, 14)), "ten", "three", "five", "seven"))
    h = rng.choice(_HORIZONS).format(n=n)
    text = fill(rng, _FORECAST, a=rng.choice(NOUNS[metric]), h=h)
    return Draft(intent="forecast", text=text, metrics=(metric,))


UNTRACKED = (
    *("weight", "body fat", "calories", "blood pressure", "blood sugar", "glucose"),
    *("water intake", "hydration", "diet", "spending", "bmi"),
)
_UNTRACKED = (
    "how has my {u} changed {p}",
    "what's my {u} been {p}",
    "show me my {u} {p}",
    "did my {u} go up {p}",
    "is my {u} okay {p}",
    "track my {u} {p}",
)


def cannot_answer(rng: random.Random, metrics: list[str]) -> Draft:
    lacking = [m for m in NOUNS if m not in metrics]
    if lacking and rng.random() < 0.5:  # a metric this person's data does not hold
        thing = rng.choice(NOUNS[rng.choice(lacking)])
        return Draft(intent="cannot_answer", text=fill(rng, _STATS, a=thing, p=period(rng), g=""))
    text = fill(rng, _UNTRACKED, u=rng.choice(UNTRACKED), p=period(rng))
    return Draft(intent="cannot_answer", text=text)
