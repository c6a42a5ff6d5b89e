"""Named patterns for the clear cases: what a crisis or a diagnosis request says outright.

The lexicon is the first half of `SafetyCheck` (the classifier reads the rest) and, alone,
the teacher's planner (training/teacher/planner.py), so its crisis rules only ever grow in
recall. A rule's name is the reason written to the audit log. `WEAK_DIAGNOSIS` rules fire on
words that also appear in plain data questions ("did melatonin nights go better?"): the
teacher still refuses on them, the check leaves them to the classifier.
"""

from __future__ import annotations

import re

CRISIS_RULES: dict[str, str] = {
    "kms": r"\bkms\b",
    "kys": r"\bkys\b",
    "suicide": r"\bsuicid",
    "kill_myself": r"\bkill(?:ing)?\s+my\s*self\b",
    "end_my_life": r"\bend(?:ing)?\s+(?:it\s+all|my\s+life)\b",
    "end_it": r"\b(?:want|wanna|going)\s+(?:to\s+)?end\s+it\b(?!\s+with)",
    # "going to die of boredom" is a figure of speech; "want to die from the pain" is not
    "want_to_die": r"\b(?:want|wanna|wanted|going|ready)\s+(?:to\s+)?die\b"
    r"(?!\s+(?:of|from)\s+(?:boredom|embarrassment|shame|laughter|laughing|cringe|excitement))",
    "wish_dead": r"\bwish\s+i\s+(?:was|were)\s+dead\b",
    "better_off_dead": r"\bbetter\s+off\s+dead\b",
    "no_reason_to_live": r"\bno\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|going\s+on)\b",
    "hurt_myself": r"\b(?:hurt|harm|cut|cutting|hurting|harming)\s+myself\b",
    "self_harm": r"\bself[-\s]?harm",
    "not_want_to_live": r"\bdon'?t\s+want\s+to\s+(?:live|be\s+alive|wake\s+up)\b",
    "cant_go_on": r"\bcan'?t\s+go\s+on\b",
    "hits_me": r"\b(?:he|she|they|my\s+\w+)\s+(?:hits|beats|hit|beat|chokes|strangles)\s+me\b",
    "abuses_me": r"\b(?:abus(?:e|es|ed|ing)|assault(?:s|ed)?|rap(?:e|ed))\s+me\b",
    "being_abused": r"\bi(?:'m|\s+am)\s+(?:being\s+)?(?:abused|raped|assaulted)\b",
    "hurt_my_child": r"\b(?:hurt|hit|harm|shake|shook|beat)\s+my\s+"
    r"(?:child|kid|baby|son|daughter)\b",
    "hurt_someone": r"\b(?:want|going)\s+to\s+(?:hurt|harm|kill)\s+"
    r"(?:someone|somebody|him|her|them)\b",
    "afraid_to_hurt": r"\bafraid\s+(?:i'?ll|i\s+will|i\s+might)\s+hurt\b",
}

# the labelled category each crisis rule speaks of (tools/safety/labelled.py)
CRISIS_RULE_CATEGORY = {
    **dict.fromkeys(("kms", "suicide", "kill_myself", "end_my_life"), "suicidal_active"),
    "kys": "harm_to_others",  # "kill yourself": said to someone, or to the person
    **dict.fromkeys(("end_it", "want_to_die"), "suicidal_active"),
    **dict.fromkeys(("wish_dead", "better_off_dead", "no_reason_to_live"), "suicidal_passive"),
    **dict.fromkeys(("not_want_to_live", "cant_go_on"), "suicidal_passive"),
    **dict.fromkeys(("hurt_myself", "self_harm"), "self_harm"),
    **dict.fromkeys(("hits_me", "abuses_me", "being_abused"), "partner_violence"),
    **dict.fromkeys(("hurt_my_child", "afraid_to_hurt"), "harm_to_child"),
    "hurt_someone": "harm_to_others",
}

DIAGNOSIS_RULES: dict[str, str] = {
    "diagnose": r"\bdiagnos",
    "diagnose_me": r"\bdiagnose\s+(?:me|my|this|what|whether|if)\b",
    "do_i_have": r"\b(?:do|could|might|can)\s+i\s+have\s+(?:\w+\s+){0,3}(?:depression|anxiety|adhd"
    r"|bipolar|ptsd|ocd|insomnia|apnea|apnoea|a\s+disorder|a\s+condition)\b",
    "wrong_with_me": r"\bis\s+(?:something|anything)\s+(?:medically\s+)?wrong\s+with\s+me\b",
    "am_i": r"\bam\s+i\s+(?:clinically\s+)?(?:depressed|bipolar|autistic|an\s+alcoholic)\b",
    "symptom_of": r"\b(?:is|are)\s+(?:this|these|my(?:\s+[\w-]+){1,2})\s+"
    r"(?:a\s+)?(?:symptoms?|signs?)\s+of\b",
    "medicine": r"\b(?:medication|meds|antidepressants?|ssris?|sertraline|prozac|xanax|melatonin"
    r"|sleeping\s+pills?|dosage|dose)\b",
    "should_i_take": r"\bshould\s+i\s+(?:take|stop\s+taking|start\s+taking|increase|reduce)\b",
    "what_disorder": r"\bwhat\s+(?:disorder|condition|illness)\b",
}
WEAK_DIAGNOSIS = frozenset({"diagnose", "medicine", "should_i_take"})

_CRISIS = {name: re.compile(rule, re.IGNORECASE) for name, rule in CRISIS_RULES.items()}
_DIAGNOSIS = {name: re.compile(rule, re.IGNORECASE) for name, rule in DIAGNOSIS_RULES.items()}


def crisis_rule(text: str) -> str | None:
    """The first crisis rule `text` matches, by name."""
    return _first(_CRISIS, text)


def diagnosis_rule(text: str, *, weak: bool = True) -> str | None:
    """The first diagnosis rule `text` matches, by name (`weak=False`: the unambiguous ones)."""
    rules = _DIAGNOSIS if weak else {k: v for k, v in _DIAGNOSIS.items() if k not in WEAK_DIAGNOSIS}
    return _first(rules, text)


def is_crisis(text: str) -> bool:
    """True when `text` says outright that someone is at risk (the lexicon alone)."""
    return crisis_rule(text) is not None


def is_diagnosis_request(text: str) -> bool:
    """True when `text` names a diagnosis or a medicine (the lexicon alone, weak rules too)."""
    return diagnosis_rule(text) is not None


def _first(rules: dict[str, re.Pattern[str]], text: str) -> str | None:
    normal = normalise(text)
    return next((name for name, rule in rules.items() if rule.search(normal)), None)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()
