"""Fixed answers for moments a data assistant must not improvise: a crisis, or a request for
a diagnosis or medication advice.

The texts are constants so every model and the teacher say the same safe thing; the
detectors are plain lexicons, checked before any tool runs, and tested against
false positives ("killing it at work", "dying to see the movie").
"""

from __future__ import annotations

import re

CRISIS_RESPONSE = (
    "I'm really sorry you're going through this, and I'm glad you said it. You deserve "
    "support from a person right now, not from a data assistant. If you are in immediate "
    "danger, call your local emergency number (112 in the EU, 911 in the US). In the US you "
    "can call or text 988; in the UK and Ireland, Samaritans are on 116 123; findahelpline.com "
    "lists free, confidential services in other countries. If a child is at risk, please "
    "contact your local emergency number or child-protection service. If you can, reach out "
    "to someone you trust and let them know how you are doing."
)

DIAGNOSIS_REFUSAL = (
    "I can't diagnose conditions or advise on medication: that needs a doctor or another "
    "qualified professional, and it would be worth talking to one about this. What I can do "
    "is show what your own data says, such as how your sleep, activity and mood have been, "
    "how they go together, or what changed recently, so you have something concrete to bring "
    "to that conversation."
)

_CRISIS = re.compile(
    "|".join(
        (
            r"\bkms\b",
            r"\bkys\b",
            r"\bsuicid",
            r"\bkill(?:ing)?\s+my\s*self\b",
            r"\bend(?:ing)?\s+(?:it\s+all|my\s+life)\b",
            r"\b(?:want|wanna|going)\s+(?:to\s+)?end\s+it\b(?!\s+with)",
            r"\b(?:want|wanna|wanted|going|ready)\s+(?:to\s+)?die\b",
            r"\bwish\s+i\s+(?:was|were)\s+dead\b",
            r"\bbetter\s+off\s+dead\b",
            r"\bno\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|going\s+on)\b",
            r"\b(?:hurt|harm|cut|cutting|hurting|harming)\s+myself\b",
            r"\bself[-\s]?harm",
            r"\bdon'?t\s+want\s+to\s+(?:live|be\s+alive|wake\s+up)\b",
            r"\bcan'?t\s+go\s+on\b",
            r"\b(?:he|she|they|my\s+\w+)\s+(?:hits|beats|hit|beat|chokes|strangles)\s+me\b",
            r"\b(?:abus(?:e|es|ed|ing)|assault(?:s|ed)?|rap(?:e|ed))\s+me\b",
            r"\bi(?:'m|\s+am)\s+(?:being\s+)?(?:abused|raped|assaulted)\b",
            r"\b(?:hurt|hit|harm|shake|shook|beat)\s+my\s+(?:child|kid|baby|son|daughter)\b",
            r"\b(?:want|going)\s+to\s+(?:hurt|harm|kill)\s+(?:someone|somebody|him|her|them)\b",
            r"\bafraid\s+(?:i'?ll|i\s+will|i\s+might)\s+hurt\b",
        )
    ),
    re.IGNORECASE,
)

_DIAGNOSIS = re.compile(
    "|".join(
        (
            r"\bdiagnos",
            r"\b(?:do|could|might|can)\s+i\s+have\s+(?:\w+\s+){0,3}(?:depression|anxiety|adhd"
            r"|bipolar|ptsd|ocd|insomnia|apnea|apnoea|a\s+disorder|a\s+condition)\b",
            r"\bis\s+(?:something|anything)\s+(?:medically\s+)?wrong\s+with\s+me\b",
            r"\bam\s+i\s+(?:clinically\s+)?(?:depressed|bipolar|autistic|an\s+alcoholic)\b",
            r"\b(?:is|are)\s+(?:this|these|my(?:\s+[\w-]+){1,2})\s+(?:a\s+)?(?:symptoms?|signs?)\s+of\b",
            r"\b(?:medication|meds|antidepressants?|ssris?|sertraline|prozac|xanax|melatonin"
            r"|sleeping\s+pills?|dosage|dose)\b",
            r"\bshould\s+i\s+(?:take|stop\s+taking|start\s+taking|increase|reduce)\b",
            r"\bwhat\s+(?:disorder|condition|illness)\b",
        )
    ),
    re.IGNORECASE,
)


def is_crisis(text: str) -> bool:
    """True when `text` speaks of suicide, self-harm, abuse or harm to a child or another."""
    return bool(_CRISIS.search(_normalise(text)))


def is_diagnosis_request(text: str) -> bool:
    """True when `text` asks for a diagnosis or for medication advice."""
    return bool(_DIAGNOSIS.search(_normalise(text)))


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()
