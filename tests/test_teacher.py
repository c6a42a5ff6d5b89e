"""The teacher: plans for hand-written questions, safety detection, and a corpus whose tool
calls are valid and whose answers hold only numbers the tools returned."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from brain.analytics.result import numbers_in
from brain.analytics.service import Analytics
from brain.store import Store
from evals.tool_calls import resolved_period
from tools import TOOLS, Subject, ToolContext, ToolResult, call_tool, openai_tools
from tools.safety import CRISIS_RESPONSE, DIAGNOSIS_REFUSAL, is_crisis, is_diagnosis_request
from training.teacher import build_corpus, corpus_hash, plan
from training.teacher.answers import CLARIFY, OTHERS_REFUSAL, answer
from training.teacher.decisions import build_decisions
from training.teacher.decontaminate import contaminated
from training.teacher.distractors import ASIDES, distracted, stray_words
from training.teacher.lexicon import period_in
from training.teacher.phrasing import question
from training.teacher.phrasing.intents import GENERATORS
from training.teacher.phrasing.periods import period
from training.teacher.phrasing.words import DOINGS, DONE, FEELINGS, MAKES_ME, NOUNS
from training.teacher.planner import ToolCall

METRICS = [  # the demo person's metrics
    *("alcohol_drinks", "arousal", "caffeine_mg", "checkins", "exercise_minutes", "heart_rate"),
    *("hours_at_home", "hours_at_work", "hrv_sdnn_ms", "late_night_music_minutes"),
    *("mindful_minutes", "music_minutes", "resting_hr", "screen_time_min", "skip_rate"),
    *("sleep_end", "sleep_hours", "sleep_start", "steps", "time_in_bed_hours", "valence"),
]

# question -> [(tool, key arguments that must appear, the period as the tool resolves it), ...]
TOOL_PLANS: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = [
    ("How did I sleep last week?", [("stats_lookup", {"metric": "sleep_hours", "last_days": 7})]),
    ("how much did i walk in the past 10 days", [("stats_lookup", {"last_days": 10})]),
    ("My average coffee intake this month?", [("stats_lookup", {"metric": "caffeine_mg"})]),
    ("how many drinks did I have in May", [("stats_lookup", {"month": "May"})]),
    ("wine consumption over the last 3 weeks", [("stats_lookup", {"last_days": 21})]),
    ("Was my resting heart rate high yesterday?", [("stats_lookup", {"metric": "resting_hr"})]),
    ("hrv during June 2026", [("stats_lookup", {"month": "June 2026"})]),
    ("how's my mood been on weekends", [("stats_lookup", {"days": "weekends"})]),
    ("energy levels this past week", [("stats_lookup", {"metric": "arousal"})]),
    ("did I meditate much recently", [("stats_lookup", {"metric": "mindful_minutes"})]),
    ("how much time did I spend at work last month", [("stats_lookup", {"period": "last month"})]),
    (
        "Do I sleep more on weekends than on weekdays?",
        [("stats_lookup", {"days": "weekends"}), ("stats_lookup", {"days": "weekdays"})],
    ),
    (
        "Does going to the gym help my mood?",
        [("correlate", {"x": "exercise_minutes", "y": "valence"}), ("causal_effect", {})],
    ),
    ("does caffeine ruin my sleep", [("correlate", {"x": "caffeine_mg", "y": "sleep_hours"})]),
    ("is my energy linked to my steps", [("correlate", {"x": "steps", "y": "arousal"})]),
    ("any connection between spotify and how happy I am?", [("correlate", {"x": "music_minutes"})]),
    (  # one pair: not split into "...work" and "how tired am I"
        "is there a link between the hours I spend at work and how tired I am?",
        [("correlate", {"x": "hours_at_work", "y": "arousal"})],
    ),
    (
        "does booze the night before affect how I feel",
        [("causal_effect", {"treatment": "alcohol_drinks", "lag": 1})],
    ),
    ("Does beer predict a worse mood?", [("granger", {"cause": "alcohol_drinks"})]),
    ("does my hrv come before changes in energy", [("granger", {"effect": "arousal"})]),
    ("what if I got 8 hours of sleep", [("simulate", {"changes": {"sleep_hours": 8}})]),
    ("If I slept seven hours how would I feel?", [("simulate", {"changes": {"sleep_hours": 7}})]),
    ("what if i did 12000 steps on a saturday", [("simulate", {"weekday": 5})]),
    ("suppose I had no coffee at all", [("simulate", {"changes": {"caffeine_mg": 0}})]),
    ("what if I drank 2 beers", [("simulate", {"changes": {"alcohol_drinks_yesterday": 2}})]),
    ("what if I meditate for 20 minutes", [("simulate", {"changes": {"mindful_minutes": 20}})]),
    ("what if I exercised 30 minutes", [("simulate", {"changes": {"exercise_minutes": 30}})]),
    (
        "my mood between 2026-03-02 and 2026-03-08",
        [("stats_lookup", {"start": "2026-03-02", "end": "2026-03-08"})],
    ),
    ("steps from 2026-05-01 to 2026-05-09", [("stats_lookup", {"end": "2026-05-09"})]),
    ("how was my nightly sleep last week", [("stats_lookup", {"metric": "sleep_hours"})]),
    ("Am I an early bird?", [("chronotype", {})]),
    ("do I have social jet lag", [("chronotype", {})]),
    ("What's my hardest day of the week?", [("weekday_profile", {})]),
    ("are sundays bad for me", [("weekday_profile", {})]),
    (
        "Anything weird with my heart rate in the last two weeks?",
        [("anomalies", {"last_days": 14})],
    ),
    ("any spikes in my screen time", [("anomalies", {"metric": "screen_time_min"})]),
    (
        "what will my sleep look like tomorrow",
        [("forecast", {"metric": "sleep_hours", "horizon": 1})],
    ),
    ("forecast my steps for the next 5 days", [("forecast", {"metric": "steps", "horizon": 5})]),
    ("predict my energy for the next two weeks", [("forecast", {"horizon": 14})]),
    ("What did I write about my dad?", [("search_memories", {"query": "dad"})]),
    ("did I mention the move in my journal", [("search_memories", {"query": "move"})]),
    ("what do you track about me", [("list_metrics", {})]),
    ("Which metrics do you have?", [("list_metrics", {})]),
    (
        "how did I sleep in March and does it affect my energy?",
        [
            ("stats_lookup", {"metric": "sleep_hours", "month": "March"}),
            ("correlate", {"x": "sleep_hours", "y": "arousal"}),
        ],
    ),
    (
        "how many steps did I do last week? also am I a night owl",
        [("stats_lookup", {"metric": "steps"}), ("chronotype", {})],
    ),
]
OTHER_PLANS: list[tuple[str, str, str]] = [
    ("I honestly want to die", "safety", ""),
    ("thinking about ending it all", "safety", ""),
    ("Do I have ADHD?", "refuse", "diagnosis"),
    ("should I stop taking my antidepressants", "refuse", "diagnosis"),
    ("how did my girlfriend sleep", "refuse", "others"),
    ("how was my brother feeling", "refuse", "others"),
    ("show me my boss's mood", "refuse", "others"),
    ("how much do I weigh now", "cannot_answer", ""),
    ("what was my blood pressure last week", "cannot_answer", ""),
    ("how far did I travel last month", "cannot_answer", ""),
    ("hello there", "clarify", "metric"),
    ("what makes my mood better", "clarify", "pair"),
    ("what if I walked more", "clarify", "value"),
]


def resolved(call: ToolCall) -> dict[str, Any]:
    """The call's arguments with its period as the tool reads it ("last week": 7 days)."""
    return resolved_period(call.name, dict(call.arguments))


@pytest.mark.parametrize(("question", "expected"), TOOL_PLANS)
def test_the_planner_picks_the_tools_and_arguments(question, expected):
    planned = plan(question, METRICS)
    assert planned.kind == "tools", planned
    for name, arguments in expected:
        assert any(
            c.name == name
            and all(
                c.arguments.get(k) == v or resolved(c).get(k) == v for k, v in arguments.items()
            )
            for c in planned.calls
        ), (name, arguments, planned.calls)


@pytest.mark.parametrize(("question", "kind", "topic"), OTHER_PLANS)
def test_the_planner_refuses_clarifies_and_says_what_is_missing(question, kind, topic):
    planned = plan(question, METRICS)
    assert planned.kind == kind and not planned.calls, planned
    assert not topic or planned.topic == topic


def test_a_question_about_a_metric_the_person_lacks_cannot_be_answered():
    planned = plan("how much coffee did I have last week", ["sleep_hours", "valence"])
    assert planned.kind == "cannot_answer" and planned.missing == "caffeine_mg"
    assert "sleep hours" in answer(planned, [])


def test_follow_ups_reuse_the_previous_tool_with_what_changed():
    first = plan("how did I sleep last week", METRICS)
    weekends = plan("and on weekends?", METRICS, [first])
    assert weekends.calls[0].arguments == {
        "metric": "sleep_hours",
        "period": "last week",
        "days": "weekends",
    }
    steps = plan("what about steps?", METRICS, [first])
    assert steps.calls[0].arguments == {"metric": "steps", "period": "last week"}
    pair = plan("does exercise affect my mood", METRICS)
    energy = plan("what about my energy?", METRICS, [pair])
    assert [c.arguments.get("y", c.arguments.get("outcome")) for c in energy.calls] == [
        "arousal",
        "arousal",
    ]
    assert plan("and in May?", METRICS, [plan("am I a night owl", METRICS)]).kind == "clarify"


@pytest.mark.parametrize(
    "follow", ["ok, and my steps?", "hmm the same for steps?", "same question for steps"]
)
def test_a_follow_up_may_open_with_a_filler_word(follow):
    first = plan("how did I sleep last week", METRICS)
    assert resolved(plan(follow, METRICS, [first]).calls[0]) == {"metric": "steps", "last_days": 7}


CRISIS = [
    "I want to die",
    "kms",
    "i wanna die tbh",
    "I keep thinking about suicide",
    "sometimes I want to hurt myself",
    "there is no reason to live",
    "I'd be better off dead",
    "he hits me every night",
    "my husband beats me",
    "I'm afraid I'll hurt my child",
    "I shook my baby",
    "I don't want to be alive anymore",
]
NOT_CRISIS = [
    "I'm killing it at work",
    "I'm dying to see the movie",
    "this workout is killing me",
    "how did I sleep after the party, I was dead tired",
    "does hitting the gym help my mood",
    "I want to end it with my boyfriend, does that show in my mood",
    "my kids wore me out, how did I sleep",
    "I hurt my knee running, did my steps drop",
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_is_detected(text):
    assert is_crisis(text)
    assert plan(text, METRICS).kind == "safety"
    assert answer(plan(text, METRICS), []) == CRISIS_RESPONSE


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_everyday_phrases_are_not_a_crisis(text):
    assert not is_crisis(text)


def test_diagnosis_requests_are_detected_without_catching_data_questions():
    for text in (
        *("do I have insomnia?", "am I depressed", "is my sleep a symptom of anxiety"),
        *("could I have some kind of adhd", "is something wrong with me"),
        "is my skip rate a sign of depression",
    ):
        assert is_diagnosis_request(text), text
    for text in ("how did I sleep", "does coffee affect my mood", "my anxiety notes from May"):
        assert not is_diagnosis_request(text), text
    assert answer(plan("should I take melatonin", METRICS), []) == DIAGNOSIS_REFUSAL
    assert answer(plan("how did my sister sleep", METRICS), []) == OTHERS_REFUSAL
    assert "112" in CRISIS_RESPONSE and "988" in CRISIS_RESPONSE and "116 123" in CRISIS_RESPONSE


def test_generated_questions_reach_their_intended_tool():
    rng = random.Random(3)
    kinds = {"refuse", "diagnosis", "safety", "cannot_answer", "clarify", "multi"}
    for _ in range(300):
        generated = question(rng, METRICS)
        planned = plan(generated.clean, METRICS)
        if generated.intent in kinds:
            continue
        assert generated.intent in {c.name for c in planned.calls}, (generated, planned)
    assert set(GENERATORS) >= {"stats_lookup", "simulate", "search_memories", "multi"}


def test_two_part_questions_sometimes_call_the_first_metric_it():
    """ "how did I sleep, and does it affect my mood?": the student must learn that "it" is
    the first part's metric, so the second part's calls use it."""
    rng = random.Random(8)
    multis = [GENERATORS["multi"][0](rng, METRICS) for _ in range(400)]
    about_it = [m for m in multis if re.search(r"\bit\b", m.text)]
    assert len(about_it) >= 20
    two_calls = 0
    for multi in about_it:
        planned = plan(multi.text, METRICS)
        assert all(multi.metrics[0] in c.arguments.values() for c in planned.calls), multi.text
        two_calls += len(planned.calls) >= 2  # else both parts asked for the same call
    assert two_calls >= 0.9 * len(about_it)


def test_every_noun_and_period_the_phrasing_uses_is_one_the_planner_reads():
    """The teacher labels its own questions: a word it writes but cannot read would teach
    the student a wrong call."""
    every = sorted(NOUNS)
    for metric, nouns in NOUNS.items():
        for noun in nouns:
            planned = plan(f"how was my {noun} last week?", every)
            assert [resolved(c) for c in planned.calls] == [{"metric": metric, "last_days": 7}], (
                noun
            )
    for metric, doings in DOINGS.items():
        for doing in doings:
            planned = plan(f"does {doing} affect my mood", every)
            assert planned.calls[0].arguments == {"x": metric, "y": "valence"}, doing
    for mood in FEELINGS:
        for words in (f"affect {f}" for f in FEELINGS[mood]):
            planned = plan(f"does coffee {words}", every)
            assert planned.calls[0].arguments == {"x": "caffeine_mg", "y": mood}
        for words in MAKES_ME[mood]:
            planned = plan(f"does coffee make me {words}", every)
            assert planned.calls[0].arguments == {"x": "caffeine_mg", "y": mood}
    for metric, templates in DONE.items():
        for template in templates:
            planned = plan(template.format(p="last week"), every)
            assert [(c.name, resolved(c)) for c in planned.calls] == [
                ("stats_lookup", {"metric": metric, "last_days": 7})
            ], template
    rng = random.Random(5)
    for _ in range(500):
        text = period(rng)
        assert bool(period_in(text.lower())) == bool(text), text  # the planner lowercases


@pytest.fixture(scope="module")
def corpus(demo_store: Store) -> list[dict[str, Any]]:
    return build_corpus(demo_store, ["alex"], 30, seed=11)


def _tool_numbers(messages: list[dict[str, Any]]) -> list[float]:
    return [x for m in messages if m["role"] == "tool" for x in numbers_in(m["content"])]


def _grounded(number: float, held: list[float]) -> bool:
    decimals = len(repr(number).split(".")[1]) if "." in repr(number) else 0
    tolerance = 0.5 * 10**-decimals + 1e-9
    return any(abs(number - h) <= tolerance or abs(number - h * 100) <= tolerance for h in held)


def test_every_tool_call_is_valid_and_every_answer_number_comes_from_a_tool(demo_store, corpus):
    context = ToolContext(Analytics(demo_store))
    fixed = {CRISIS_RESPONSE, DIAGNOSIS_REFUSAL, OTHERS_REFUSAL, *CLARIFY.values()}
    names = {t["function"]["name"] for t in openai_tools()}
    for conversation in corpus:
        messages = conversation["messages"]
        assert messages[0]["role"] == "system" and conversation["tools"]
        assert {t["function"]["name"] for t in conversation["tools"]} == names
        for message in messages:
            for call in message.get("tool_calls", []):
                function = call["function"]
                assert function["name"] in TOOLS
                outcome = call_tool(context, Subject.self_("alex"), **_as_call(function))
                assert isinstance(outcome, ToolResult) or function["name"] in {
                    "search_memories",
                    "simulate",
                }, outcome
        finals = [m for m in messages if m["role"] == "assistant" and not m.get("tool_calls")]
        held = _tool_numbers(messages)
        for final in finals:
            if final["content"] in fixed or final["content"].startswith("Your data doesn't"):
                continue
            text = re.sub(r" \[\d+\]$", "", final["content"], flags=re.MULTILINE)  # citations
            ungrounded = [x for x in numbers_in(text) if not _grounded(x, held)]
            assert not ungrounded, (final["content"], ungrounded)


def _as_call(function: dict[str, Any]) -> dict[str, Any]:
    return {"name": function["name"], "arguments": function["arguments"]}


def test_the_corpus_covers_tools_and_non_tool_answers(corpus):
    called = {
        c["function"]["name"]
        for conv in corpus
        for m in conv["messages"]
        for c in m.get("tool_calls", [])
    }
    assert len(called) >= 6
    assert any(len([m for m in conv["messages"] if m["role"] == "user"]) == 2 for conv in corpus)
    json.dumps(corpus)  # plain JSON all the way down


def test_the_corpus_is_deterministic(demo_store, corpus):
    again = build_corpus(demo_store, ["alex"], 30, seed=11)
    assert corpus_hash(again) == corpus_hash(corpus)
    assert corpus_hash(build_corpus(demo_store, ["alex"], 5, seed=12)) != corpus_hash(corpus[:5])


def test_decisions_end_at_the_teachers_first_move(corpus):
    decisions = build_decisions({"alex": METRICS}, corpus, 60, seed=3)
    assert decisions == build_decisions({"alex": METRICS}, corpus, 60, seed=3)
    openings = [c["messages"] for c in corpus]
    follow_ups = 0
    short = 0
    for decision in decisions:
        *context, asked, move = decision["messages"]
        assert asked["role"] == "user" and move["role"] == "assistant"
        assert move.get("tool_calls") or move["content"]  # calls, or the whole answer
        if decision["tools"] is None:  # left out only where the metric list changes nothing
            short += 1
            assert not move["content"].startswith("Your data doesn't include")
        else:
            assert decision["tools"] == openai_tools(METRICS)
        if len(context) > 1:  # a follow-up, after a real first turn of the corpus
            follow_ups += 1
            assert any(o[: len(context)] == context for o in openings)
            assert any(m["role"] == "tool" for m in context)
    assert 0 < follow_ups < len(decisions) / 2
    assert len(decisions) / 2 < short < len(decisions)
    # most questions carry distractors; the tokenizer reads them as the teacher wrote them
    noisy = [d for d in decisions if d["messages"][-2]["content"] != d["undistracted"]]
    assert len(decisions) / 2 < len(noisy) < len(decisions)


def _bare_words(text: str) -> set[str]:
    return {w.strip(",.!-") for w in text.split()} - {""}


def test_distracted_questions_keep_their_plan_and_add_only_real_words_or_asides():
    rng = random.Random(4)
    changed = aside = 0
    for _ in range(60):
        asked = question(rng, METRICS)
        planned = plan(asked.clean, METRICS)
        text = distracted(rng, asked.clean, planned, METRICS, [])
        assert plan(text, METRICS) == planned
        assert not contaminated(text)
        added = _bare_words(text) - _bare_words(asked.clean)
        assert added <= set(stray_words()) | {w for a in ASIDES for w in a.split()}
        changed += text != asked.clean
        aside += any(a in text and a not in asked.clean for a in ASIDES)
    assert changed > 40  # most questions take some noise and still plan the same
    assert 5 < aside < 40  # some come wrapped in chatter
    assert len(stray_words()) > 10_000 and "sleep" in stray_words()
