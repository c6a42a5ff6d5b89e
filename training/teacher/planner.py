"""The teacher's planner: a question in, the tool calls that answer it out, by fixed rules.

Deterministic on purpose: the student model learns one consistent mapping, and a wrong plan
is a rule to fix, not a sample to re-roll. Checks run in order of harm: a crisis first, then
requests EQM must refuse, then data the person lacks, then the tools. A question with several
clauses ("how did I sleep and does it affect my mood?") gets the calls of every clause.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from brain.analytics.period_words import to_number
from tools.safety import is_crisis, is_diagnosis_request
from training.teacher.lexicon import (
    MOOD_METRICS,
    VALENCE,
    metrics_in,
    period_in,
    untracked_in,
)

PlanKind = Literal["tools", "clarify", "cannot_answer", "refuse", "safety"]


class ToolCall(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


FOLLOW_UP_TOOLS = frozenset({"stats_lookup", "anomalies", "correlate", "causal_effect"})


class Plan(BaseModel):
    """What the teacher does: call tools, ask back, say what is not possible, or refuse.

    `topic` says what to clarify ("metric", "pair", "value"), what is missing, or why a
    refusal ("diagnosis", "others"); `available` lists the person's metrics for the answer.
    """

    model_config = ConfigDict(frozen=True)

    kind: PlanKind
    calls: list[ToolCall] = Field(default_factory=list)
    topic: str = ""
    missing: str = ""
    available: list[str] = Field(default_factory=list)


_PEOPLE = (
    r"(?:wife|husband|partner|boyfriend|girlfriend|friend|mom|mum|mother|dad|father|sister"
    r"|brother|boss|colleague|coworker|roommate|son|daughter|kid|child|neighbou?r)"
)
_OTHERS = re.compile(
    rf"\b{_PEOPLE}'?s\s+"
    r"(?:sleep|mood|data|steps|heart|journal|notes|stats|energy|hrv|workouts?|diary|health)\b"
    rf"|\bhow (?:did|does|is|was) (?:he|she|they|my {_PEOPLE}) (?:sleep|feel)"
    r"|\b(?:someone|somebody) else'?s\b|\b(?:other|another) (?:person|user|people)'?s?\b"
    r"|\b(?:[a-z]+'s) (?:data|journal|diary)\b(?<!\bmy data\b)"
)
_INTENTS: tuple[tuple[str, str], ...] = (
    (
        "list_metrics",
        r"\bwhat (?:data|metrics|information|info)\b|\bwhich (?:data|metrics)\b"
        r"|\bwhat do you (?:track|have|know|see)\b|\bwhat can you (?:see|access|do)\b"
        r"|\bwhat are you tracking\b|\bwhat(?:'s| is) (?:tracked|available)\b",
    ),
    (
        "search_memories",
        r"\b(?:what|when) did i (?:write|say|note|journal|mention)\b|\bdid i (?:write|mention)\b"
        r"|\bmy (?:notes|journal|diary|entries|reflections)\b|\bi (?:wrote|journaled)\b"
        r"|\bwhat i wrote\b",
    ),
    (
        "simulate",
        r"\bwhat if\b|\bsuppose\b|\bimagine\b|\bwould i (?:feel|be)\b|\b(?:what|how) would\b"
        r"|\bif i (?:slept|sleep|walked"
        r"|walk|had|have|drank|drink|skipped|skip|cut|meditated|meditate|exercised|exercise"
        r"|worked|work|stopped|stop|quit|went|did)\b",
    ),
    (
        "chronotype",
        r"night owl|early bird|\blark\b|chronotype|morning person|evening person"
        r"|social jet ?lag|mid-?sleep",
    ),
    (
        "weekday_profile",
        r"days? of the week|\bwhich day\b|\bwhat day\b|\b(?:worst|best|hardest|toughest) day"
        r"|\b(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)\b"
        r"|\bweekday pattern|\bby weekday",
    ),
    (
        "anomalies",
        r"unusual|anomal|out of the ordinary|\bstand(?:s|ing)? out\b|\bstood out\b|\bweird"
        r"|\bstrange|\bodd\b|outlier|\bspikes?\b|\boff lately\b",
    ),
    ("granger", r"\bpredicts?\b|\bcomes? (?:before|first)\b|\bleads? to\b|\bprecede|granger"),
    (
        "forecast",
        r"\bwill\b|\bforecast|\bnext (?:week|few days|\w+ days|two weeks|fortnight)\b"
        r"|\btomorrow\b|\bgoing to be\b|\bexpect\b",
    ),
    (
        "effect",
        r"\baffect|\beffects?\b|\bimpact|\bhelps?\b|\bcaus|\bmakes? (?:me|my)\b|\bimprov|\bhurts?\b"
        r"|\bruins?\b|\bboosts?\b|\binfluence|\bbecause of\b|\bgood for me\b|\bbad for me\b",
    ),
    (
        "correlate",
        r"\bcorrelat|\brelat(?:ed|ion)|\blink|\bconnect|\bgo(?:es)? (?:together|with)\b"
        r"|\bassociat|\btied to\b|\bwhen i\b.*\bdo i\b",
    ),
)
_SPLIT = re.compile(
    r"\?|;|\.\s|\balso\b|,?\s+and\s+(?=(?:does|do|is|am|are|how|what|which|will|did|can|was"
    r"|were|any|when|tell|show)\b)|,\s*(?=(?:does|do|is|am|how|what|which|will|did|can)\b)"
)
# "between my work hours and how tired I am" is one pair, not two questions
_BETWEEN_AND = re.compile(r"(\bbetween\b[^?;.]*?)\s+and\s+(?=how\b|what\b)")
_FOLLOW_UP = re.compile(
    r"^(?:(?:ok|okay|hmm|right|cool|thanks|so|yeah)\b[,.]?\s*)*"
    r"(?:and|what about|how about|(?:the )?same\b|now)\b"
)
_PRONOUN = re.compile(r"\b(?:it|that|this|those|them)\b")
_NEXT_DAY = re.compile(
    r"\bnext day\b|\bday after\b|\bfollowing day\b|\bmorning after\b|\bnight before\b"
)
_COMPARE_DAYS = re.compile(r"\b(?:better|worse|more|less|differ|different|compare|vs|versus)\b")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ANOMALY_DEFAULTS = (VALENCE, "sleep_hours", "steps")


def adaptable(planned: Plan) -> bool:
    """Follow-ups ("and on weekends?") only after tools that take a metric or a period."""
    return bool(planned.calls) and all(c.name in FOLLOW_UP_TOOLS for c in planned.calls)


def plan(question: str, metrics: list[str], history: list[Plan] | None = None) -> Plan:
    """The plan for `question` from a person with `metrics`, after the earlier `history`."""
    text = re.sub(r"\s+", " ", question.lower().replace("’", "'")).strip()
    if is_crisis(text):
        return Plan(kind="safety")
    if is_diagnosis_request(text):
        return Plan(kind="refuse", topic="diagnosis")
    if _OTHERS.search(text) and not re.search(r"\bi (?:wrote|write|said)\b", text):
        return Plan(kind="refuse", topic="others")
    previous = next((p for p in reversed(history or []) if p.kind == "tools"), None)
    calls: list[ToolCall] = []
    fallback: Plan | None = None
    context = metrics_of(previous) if previous else []
    clauses = _SPLIT.split(_BETWEEN_AND.sub(r"\1 & ", text))
    for clause in filter(None, (c.strip(" ,.!") for c in clauses)):
        outcome = _clause(clause, sorted(metrics), context, previous)
        if isinstance(outcome, Plan):
            fallback = fallback or outcome
            continue
        calls.extend(c for c in outcome if c not in calls)
        context = metrics_of(Plan(kind="tools", calls=outcome)) or context
    if calls:
        missing = fallback.missing if fallback and fallback.kind == "cannot_answer" else ""
        return Plan(kind="tools", calls=calls, missing=missing, available=sorted(metrics))
    return fallback or Plan(kind="clarify", topic="metric")


def _clause(
    clause: str, metrics: list[str], context: list[str], previous: Plan | None
) -> list[ToolCall] | Plan:
    intent = next((name for name, rule in _INTENTS if re.search(rule, clause)), None)
    named = [m for _, m in metrics_in(clause)]
    if (missing := untracked_in(clause)) and not named and intent != "search_memories":
        return Plan(kind="cannot_answer", missing=missing, available=metrics)
    absent = [m for m in named if m not in metrics]
    if absent and intent not in ("search_memories", "simulate"):
        return Plan(kind="cannot_answer", missing=absent[0], available=metrics)
    period = period_in(clause)
    follows = intent is None and previous and (_FOLLOW_UP.search(clause) or not named)
    if follows and previous and (adapted := _follow_up(previous, named, period)):
        return adapted
    if intent == "granger" and len(named) < 2 and not _PRONOUN.search(clause):
        intent = "forecast"  # "predict my steps" asks about the future, not about a pair
    if len(named) < 2 and context and _PRONOUN.search(clause):  # "does it affect my mood?"
        if intent in ("effect", "correlate", "granger"):
            named = [m for m in context if m not in named][: 2 - len(named)] + named
        elif not named:
            named = context[:1]
    return _calls(intent, clause, named, period, metrics)


def _calls(
    intent: str | None, clause: str, named: list[str], period: dict[str, Any], metrics: list[str]
) -> list[ToolCall] | Plan:
    if intent == "list_metrics":
        return [ToolCall(name="list_metrics")]
    if intent == "search_memories":
        return [ToolCall(name="search_memories", arguments={"query": _memory_query(clause)})]
    if intent == "simulate":
        changes = _changes(clause)
        if not changes:
            return Plan(kind="clarify", topic="value")
        arguments: dict[str, Any] = {"changes": changes}
        if day := re.search(r"\bon (?:a )?(" + "|".join(WEEKDAYS) + r")\b", clause):
            arguments["weekday"] = WEEKDAYS.index(day.group(1))
        return [ToolCall(name="simulate", arguments=arguments)]
    if intent == "chronotype":
        return [ToolCall(name="chronotype")]
    if intent == "weekday_profile":
        return [ToolCall(name="weekday_profile")]
    if intent == "anomalies":
        words = {"period": period["period"]} if "period" in period else {}
        targets = named or [m for m in ANOMALY_DEFAULTS if m in metrics]
        return [ToolCall(name="anomalies", arguments={"metric": m, **words}) for m in targets]
    if intent in ("effect", "correlate", "granger") or (intent == "forecast" and len(named) > 1):
        return _pair(intent or "effect", clause, named)
    if intent == "forecast":
        return [
            ToolCall(
                name="forecast",
                arguments={"metric": named[0] if named else VALENCE, "horizon": _horizon(clause)},
            )
        ]
    if not named:
        return Plan(kind="clarify", topic="metric")
    return _stats(clause, named, period)


def _stats(clause: str, named: list[str], period: dict[str, Any]) -> list[ToolCall]:
    if period.get("days") and _COMPARE_DAYS.search(clause):
        return [
            ToolCall(name="stats_lookup", arguments={"metric": m, **period, "days": days})
            for m in named
            for days in ("weekends", "weekdays")
        ]
    return [ToolCall(name="stats_lookup", arguments={"metric": m, **period}) for m in named]


def _pair(intent: str, clause: str, named: list[str]) -> list[ToolCall] | Plan:
    """x and y for the two-metric tools: the non-mood metric leads, mood follows; with only
    one metric named, it is compared with mood."""
    if len(named) == 1 and named[0] not in MOOD_METRICS:
        named = [named[0], VALENCE]
    if len(named) < 2:
        return Plan(kind="clarify", topic="pair")
    first, second = named[0], named[1]
    if first in MOOD_METRICS and second not in MOOD_METRICS:
        first, second = second, first
    if intent == "granger":
        return [ToolCall(name="granger", arguments={"cause": first, "effect": second})]
    calls = [ToolCall(name="correlate", arguments={"x": first, "y": second})]
    if intent == "effect":
        lag = 1 if _NEXT_DAY.search(clause) else 0
        arguments: dict[str, Any] = {"treatment": first, "outcome": second}
        calls.append(
            ToolCall(
                name="causal_effect", arguments={**arguments, "lag": lag} if lag else arguments
            )
        )
    return calls


def _follow_up(previous: Plan, named: list[str], period: dict[str, Any]) -> list[ToolCall]:
    """Reuse the last tools with what the follow-up changed: a metric, a period, or days.
    Only tools that take what changed are kept; none kept means plan the clause afresh."""
    takes = _PERIOD_TOOLS if period and not named else _METRIC_TOOLS if named else frozenset()
    calls = []
    for call in (c for c in previous.calls if c.name in takes):
        arguments = dict(call.arguments)
        for field in ("x", "treatment", "cause"):
            if field in arguments and named and named[0] not in MOOD_METRICS:
                arguments[field] = named[0]
        for field in ("y", "outcome", "effect"):
            if field in arguments and named and named[-1] in MOOD_METRICS:
                arguments[field] = named[-1]
        if "metric" in arguments and named:
            arguments["metric"] = named[0]
        if call.name == "stats_lookup" and period:
            span = {k: v for k, v in period.items() if k != "days"}
            if span:
                for key in ("last_days", "last_weeks", "month", "start", "end", "period"):
                    arguments.pop(key, None)
            arguments.update(span | ({"days": period["days"]} if "days" in period else {}))
        if call.name == "anomalies" and "period" in period:
            arguments.pop("last_days", None)
            arguments["period"] = period["period"]
        calls.append(ToolCall(name=call.name, arguments=arguments))
    return calls


_PERIOD_TOOLS = frozenset({"stats_lookup", "anomalies"})
_METRIC_TOOLS = frozenset(
    {"stats_lookup", "anomalies", "forecast", "correlate", "causal_effect", "granger"}
)
_AMOUNT = r"(\d+(?:\.\d+)?|[a-z]+)"


def _changes(clause: str) -> dict[str, float]:
    """What-if values with their units; amounts without a unit are left to a clarifying
    question rather than guessed."""
    changes: dict[str, float] = {}

    def amount(word: str) -> float | None:
        try:
            return float(word) if word[0].isdigit() else float(to_number(word))
        except KeyError:
            return None

    for match in re.finditer(_AMOUNT + r"\s*(k)?\s*steps\b", clause):
        if (value := amount(match.group(1))) is not None:
            changes["steps"] = value * (1000 if match.group(2) else 1)
    for match in re.finditer(_AMOUNT + r"\s*(?:hours?|hrs?|h)\b(\s+(?:at|of) work)?", clause):
        if (value := amount(match.group(1))) is not None:
            changes["hours_at_work" if match.group(2) else "sleep_hours"] = value
    for match in re.finditer(_AMOUNT + r"\s*(?:minutes?|mins?)\b", clause):
        if (value := amount(match.group(1))) is not None:
            after = clause[match.end() : match.end() + 30]
            before = clause[max(0, match.start() - 25) : match.start()]
            mindful = re.search(r"meditat|mindful", after) or (
                re.search(r"meditat|mindful", before) and not re.search(r"exercis|workout", after)
            )
            metric = "mindful_minutes" if mindful else "exercise_minutes"
            changes[metric] = value
    for match in re.finditer(_AMOUNT + r"\s*(?:drinks|beers?|glasses|wines?)\b", clause):
        if (value := amount(match.group(1))) is not None:
            changes["alcohol_drinks_yesterday"] = value
    if match := re.search(r"(\d+(?:\.\d+)?)\s*mg\b", clause):
        changes["caffeine_mg"] = float(match.group(1))
    if re.search(
        r"\b(?:no|without|skipped|quit|cut out|stopped)\s+(?:the\s+)?(?:coffee|caffeine)", clause
    ):
        changes["caffeine_mg"] = 0.0
    if re.search(
        r"\b(?:no|without)\s+(?:alcohol|drinks|drinking)|didn't drink|stopped drinking|sober",
        clause,
    ):
        changes["alcohol_drinks_yesterday"] = 0.0
    if re.search(r"\b(?:skipped|no|without)\s+(?:the\s+)?(?:gym|exercise|workout)", clause):
        changes["exercise_minutes"] = 0.0
    return {k: int(v) if v.is_integer() else v for k, v in changes.items()}


def _horizon(clause: str) -> int:
    if "tomorrow" in clause:
        return 1
    if re.search(r"\b(?:two weeks|fortnight|14 days)\b", clause):
        return 14
    if match := re.search(r"\bnext (\w+) days\b", clause):
        try:
            return max(1, min(to_number(match.group(1)), 14))
        except KeyError:
            return 7
    return 7


_QUERY_LEAD = re.compile(
    r"^.*?\b(?:about|regarding|on|mention(?:ed)?|of)\s+|^.*?\b(?:write|wrote|say|said|note)\s+"
)


def _memory_query(clause: str) -> str:
    query = _QUERY_LEAD.sub("", clause, count=1).strip(" ?.!")
    query = re.sub(r"\s*(?:thanks|thank you|pls|please|:\)|:\()$", "", query)
    query = re.sub(r"^(?:my|the|a|an)\s+", "", query)
    query = re.sub(r"\s+in my (?:journal|notes|diary)$", "", query)
    return query or clause


def metrics_of(plan: Plan) -> list[str]:
    fields = ("metric", "x", "y", "treatment", "outcome", "cause", "effect")
    found = [c.arguments[f] for c in plan.calls for f in fields if f in c.arguments]
    return list(dict.fromkeys(found))
