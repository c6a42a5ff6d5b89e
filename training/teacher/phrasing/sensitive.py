"""Diagnosis requests, crisis messages and small talk: the questions the teacher answers
without a tool.

They are composed like the data questions: a core for each rule of tools/safety.py (or kind
of chat), with what people put around it.
"""

from __future__ import annotations

import random

from training.teacher.phrasing.drafts import Draft, pick_metric
from training.teacher.phrasing.words import NOUNS

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


def diagnosis(rng: random.Random, metrics: list[str]) -> Draft:
    core = rng.choice(_DIAGNOSIS_CORES).format(
        c=rng.choice(_CONDITIONS),
        a=rng.choice(NOUNS[pick_metric(rng, metrics)]),
        m=rng.choice(_MEDICINES),
    )
    return Draft(intent="diagnosis", text=rng.choice(_DIAGNOSIS_LEADS) + core)


def crisis(rng: random.Random, metrics: list[str]) -> Draft:
    text = rng.choice(_CRISIS_LEADS) + rng.choice(_CRISIS_CORES) + rng.choice(_CRISIS_TAILS)
    return Draft(intent="safety", text=text)


def small_talk(rng: random.Random, metrics: list[str]) -> Draft:
    kind = rng.random()
    if kind < 0.35:
        text = rng.choice(_GREETINGS) + rng.choice(("", "", " EQM", " there", " again"))
    elif kind < 0.7:
        text = rng.choice(_THANKS) + rng.choice(("", "", " a lot", " so much", ", that helps"))
    else:
        text = rng.choice(_CHAT)
    return Draft(intent="clarify", text=text + rng.choice(("", "", "!", ".", " :)")))
