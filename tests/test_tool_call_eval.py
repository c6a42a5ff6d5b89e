"""The held-out tool-call suite and its scoring: valid expectations, exact numbers from a
scripted completer, hermes parsing, and no question shared with the teacher's corpus."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest

from evals import tool_calls
from evals.tool_calls import (
    HELDOUT_METRICS,
    Call,
    Completion,
    HeldOutItem,
    calls_match,
    completion_calls,
    format_table,
    load_heldout,
    names_match,
    parse_hermes,
    run_with,
    score,
)
from tools import TOOLS, openai_tools
from training.teacher.phrasing import follow_up, question
from training.teacher.planner import plan

# Where the teacher's planner and the suite's expectations differ on purpose: typos in the
# words the planner keys on, and questions where its rules miss what a sensible assistant
# would call. The planner must agree on every other item.
PLANNER_DISAGREES = {
    "stats-11": "typo 'febuary': the month is still February",
    "effect-06": "typo 'caffiene': the treatment is still caffeine",
    "mem-01": "typo 'jounral': still a journal search",
    "stats-18": "explicit ISO dates -> start/end; the planner never emits start/end",
    "effect-09": "'the day before' -> lag 1; the planner only knows 'night before', 'next day'",
    "corr-02": "'... and how tired I am' is split into a second clause by the planner",
    "mem-02": "'have I written anything about' is a journal search, not a mood lookup",
    "multi-10": "'does screen time influence it (readiness)': the planner swaps treatment/outcome",
    "fu-09": "'and anything on my dad?' after a journal search repeats the search",
}


@pytest.fixture(scope="module")
def items() -> list[HeldOutItem]:
    openai_tools()  # registers the tools
    return load_heldout()


def _user_texts(item: HeldOutItem) -> list[str]:
    return [m["content"] for m in item.messages if m["role"] == "user"]


def test_the_suite_loads_with_every_category_and_tool(items):
    assert len(items) >= 100
    assert len({i.id for i in items}) == len(items)
    categories = Counter(i.category for i in items)
    assert categories["multi"] >= 12 and categories["follow_up"] >= 12
    assert categories["no_tool"] >= 20 and categories["single"] >= 50
    assert {c.name for i in items for c in i.expected} == set(TOOLS)
    assert {i.person for i in items} == {"alex", "sam"}
    for item in items:
        if item.category != "follow_up":  # a follow-up may expect no call (a crisis)
            assert (item.category == "no_tool") == (not item.expected), item.id
        assert item.messages[-1]["role"] == "user", item.id
        assert (len(_user_texts(item)) > 1) == (item.category == "follow_up"), item.id
        if item.category == "multi":
            assert len({c.name for c in item.expected}) >= 2, item.id


def _tracked(name: str, metrics: list[str]) -> bool:
    return name in metrics or name.removesuffix("_yesterday") in metrics


def test_every_expected_call_is_valid_for_its_tool_and_person(items):
    for item in items:
        metrics = HELDOUT_METRICS[item.person]
        for call in item.expected:
            tool = TOOLS[call.name]
            parsed = tool.arguments.model_validate(call.arguments)
            for field in tool.metric_fields:
                assert getattr(parsed, field) in metrics, (item.id, field)
            for changed in (call.arguments or {}).get("changes", {}):
                assert _tracked(changed, metrics), (item.id, changed)


def test_earlier_turns_of_follow_ups_are_well_formed(items):
    for item in (i for i in items if i.category == "follow_up"):
        calls = [c for m in item.messages for c in m.get("tool_calls", [])]
        results = [m for m in item.messages if m["role"] == "tool"]
        assert calls and [c["id"] for c in calls] == [m["tool_call_id"] for m in results]
        for call, result in zip(calls, results, strict=True):
            arguments = json.loads(call["function"]["arguments"])
            TOOLS[call["function"]["name"]].arguments.model_validate(arguments)
            assert json.loads(result["content"])["tool"] == call["function"]["name"]


def test_the_planner_agrees_except_where_noted(items):
    disagree = []
    for item in items:
        metrics = HELDOUT_METRICS[item.person]
        history = []
        for text in _user_texts(item):
            history.append(plan(text, metrics, history))
        planned = [Call(name=c.name, arguments=c.arguments) for c in history[-1].calls]
        if not calls_match(item.expected, planned):
            disagree.append(item.id)
    assert set(disagree) <= set(PLANNER_DISAGREES), sorted(set(disagree) - set(PLANNER_DISAGREES))
    assert len(disagree) <= 0.1 * len(items)


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def test_no_held_out_question_appears_in_the_teachers_questions(items):
    held_out = {_normal(t) for i in items for t in _user_texts(i)}
    rng = random.Random(20260601)
    generated = set()
    for n in range(2000):
        metrics = HELDOUT_METRICS["alex" if n % 2 else "sam"]
        asked = question(rng, metrics)
        generated |= {_normal(asked.text), _normal(asked.clean)}
    for _ in range(300):
        asked = follow_up(rng, HELDOUT_METRICS["alex"])
        generated |= {_normal(asked.text), _normal(asked.clean)}
    assert not held_out & generated, sorted(held_out & generated)


# scoring ----------------------------------------------------------------------------------


def stats(**arguments: Any) -> Call:
    return Call(name="stats_lookup", arguments=arguments)


def test_exact_match_ignores_defaults_number_forms_order_and_month_spelling():
    expected = [
        Call(name="correlate", arguments={"x": "steps", "y": "valence"}),
        Call(name="anomalies", arguments={"metric": "sleep_hours", "last_days": 30}),
        stats(metric="steps", last_days=7),
        stats(metric="steps", month="May 2026"),
    ]
    predicted = [
        stats(month="2026-05", metric="steps", days="all", start=None),
        stats(last_days=7.0, metric="steps"),
        Call(name="anomalies", arguments={"metric": "sleep_hours"}),
        Call(name="correlate", arguments={"y": "valence", "max_lag": 1, "x": "steps"}),
    ]
    assert calls_match(expected, predicted) and names_match(expected, predicted)
    simulate = [Call(name="simulate", arguments={"changes": {"steps": 12000, "sleep_hours": 8}})]
    assert calls_match(
        simulate,
        [Call(name="simulate", arguments={"changes": {"sleep_hours": 8.0, "steps": 1.2e4}})],
    )
    memories = [
        Call(name="search_memories", arguments={"query": "exam stress", "from": "2026-05-01"})
    ]
    same = {"query": "Exam  Stress", "k": 5, "from_": "2026-05-01", "to": None}
    assert calls_match(memories, [Call(name="search_memories", arguments=same)])
    assert not calls_match(memories, [Call(name="search_memories", arguments={"query": "exams"})])


def test_a_period_matches_in_every_form_the_tool_resolves_alike():
    expected = [stats(metric="steps", last_weeks=2)]
    for same in ("past 2 weeks", "the last two weeks", "past fortnight"):
        assert calls_match(expected, [stats(metric="steps", period=same)]), same
    assert calls_match(expected, [stats(metric="steps", last_days=14)])
    month = [stats(metric="steps", month="February")]
    assert calls_match(month, [stats(metric="steps", period="in febuary")])  # a typo
    default = [stats(metric="steps")]
    assert calls_match(default, [stats(metric="steps", period="past month")])  # 30 days
    window = [Call(name="anomalies", arguments={"metric": "steps", "last_days": 14})]
    assert calls_match(
        window, [Call(name="anomalies", arguments={"metric": "steps", "period": "past 2 weeks"})]
    )


def test_a_wrong_argument_matches_the_name_only():
    expected = [stats(metric="steps", last_weeks=2)]
    for wrong in (
        stats(metric="steps", last_days=15),
        stats(metric="steps", period="past 3 weeks"),
        stats(metric="steps", period="whenever"),  # words the tool cannot read match nothing
        stats(metric="steps"),
        stats(metric="steps", last_weeks=2, days="weekends"),
        stats(metric="sleep_hours", last_weeks=2),
    ):
        assert names_match(expected, [wrong]) and not calls_match(expected, [wrong]), wrong
    lagged = [Call(name="causal_effect", arguments={"treatment": "steps", "outcome": "valence"})]
    with_lag = Call(
        name="causal_effect", arguments={"treatment": "steps", "outcome": "valence", "lag": 1}
    )
    assert not calls_match(lagged, [with_lag])
    assert not names_match(expected, [*expected, *expected])  # a repeated call is one too many


def test_invalid_json_counts_the_name_but_never_the_call():
    calls, valid = completion_calls(
        Completion("", [{"name": "stats_lookup", "arguments": '{"metric": "steps",'}], "")
    )
    assert not valid and calls == [Call(name="stats_lookup", arguments=None)]
    expected = [stats(metric="steps")]
    assert names_match(expected, calls) and not calls_match(expected, calls)
    calls, valid = completion_calls(Completion("", [{"name": "list_metrics", "arguments": ""}], ""))
    assert valid and calls_match([Call(name="list_metrics")], calls)
    calls, valid = completion_calls(
        Completion("", [{"function": {"name": "simulate", "arguments": "[1, 2]"}}], "")
    )
    assert not valid and calls == [Call(name="simulate", arguments=None)]


def test_tool_calls_left_in_the_content_mean_the_servers_parser_failed():
    content = '<tool_call>\n{"name": "chronotype", "arguments": {}}\n</tool_call>'
    calls, valid = completion_calls(Completion(content, [], content))
    assert calls == [Call(name="chronotype")] and not valid
    calls, valid = completion_calls(Completion(content, None, content))  # raw text: fine
    assert calls == [Call(name="chronotype")] and valid


def _item(id_: str, category: str, expected: list[Call], person: str = "alex") -> HeldOutItem:
    return HeldOutItem(
        id=id_,
        person=person,
        category=category,
        messages=[{"role": "user", "content": f"question {id_}"}],
        expected=expected,
    )


def test_no_tool_items_match_only_when_nothing_is_called():
    item = _item("n", "no_tool", [])
    quiet = score(item, Completion("I can't help with that, but...", [], ""))
    assert quiet.name_match and quiet.exact_match and quiet.valid_json
    called = score(item, Completion("", [{"name": "list_metrics", "arguments": "{}"}], ""))
    assert not called.name_match and not called.exact_match
    failed = score(item, None, error="timeout")
    assert not failed.name_match and not failed.exact_match


# parse_hermes -----------------------------------------------------------------------------


def hermes(*calls: dict[str, Any]) -> str:
    return "".join(f"\n<tool_call>\n{json.dumps(c)}\n</tool_call>" for c in calls).lstrip("\n")


def test_parse_hermes_reads_every_block():
    text = hermes(
        {"name": "stats_lookup", "arguments": {"metric": "steps", "last_days": 7}},
        {"name": "chronotype", "arguments": {}},
    )
    calls, valid = parse_hermes(text + "<|im_end|>")
    assert valid
    assert calls == [
        Call(name="stats_lookup", arguments={"metric": "steps", "last_days": 7}),
        Call(name="chronotype", arguments={}),
    ]
    assert parse_hermes("Your steps averaged 8,000 a day.") == ([], True)
    assert parse_hermes("") == ([], True)
    calls, valid = parse_hermes(
        'Let me check.<tool_call>{"name": "weekday_profile", "arguments": {}}</tool_call>'
    )
    assert valid and calls == [Call(name="weekday_profile")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            '<tool_call>\n{"name": "stats_lookup", "arguments": {"metric": steps}}\n</tool_call>',
            "stats_lookup",
        ),
        ('<tool_call>\n{"name": "forecast", "arguments": {"metric": "steps"', "forecast"),
        ('<tool_call>\n{"name": "chronotype"}\n</tool_call>', "chronotype"),
        ('<tool_call>\n{"name": "simulate", "arguments": "{}"}\n</tool_call>', "simulate"),
        ("<tool_call>\nnot json at all\n</tool_call>", None),
        ('<tool_call>\n["stats_lookup"]\n</tool_call>', None),
    ],
)
def test_parse_hermes_flags_broken_blocks(text, name):
    calls, valid = parse_hermes(text)
    assert not valid
    assert calls == ([Call(name=name, arguments=None)] if name else [])


def test_one_broken_block_makes_the_whole_completion_invalid():
    text = hermes({"name": "chronotype", "arguments": {}}) + "<tool_call>{oops</tool_call>"
    calls, valid = parse_hermes(text)
    assert not valid and calls == [Call(name="chronotype")]


# run_with ---------------------------------------------------------------------------------


SCRIPTED = [
    # (item, what the fake model answers, seconds it takes)
    (
        _item("a", "single", [stats(metric="steps", last_days=7)]),
        Completion(
            hermes({"name": "stats_lookup", "arguments": {"metric": "steps", "last_days": 7}}),
            None,
            "",
        ),
        0.1,
    ),
    (
        _item("b", "single", [stats(metric="steps", last_days=7)]),
        Completion("", [{"name": "stats_lookup", "arguments": '{"metric": "steps"}'}], ""),
        0.2,
    ),
    (
        _item("c", "follow_up", [Call(name="chronotype")]),
        Completion("", [{"name": "chronotype", "arguments": "{free_day_rule: weekends}"}], ""),
        0.3,
    ),
    (_item("d", "no_tool", []), Completion("I can't diagnose that.", [], ""), 0.4),
    (
        _item("e", "no_tool", [], person="sam"),
        Completion("", [{"name": "list_metrics", "arguments": "{}"}], ""),
        0.5,
    ),
    (_item("f", "single", [Call(name="weekday_profile")]), RuntimeError("server down"), 0.6),
    (
        _item(
            "g",
            "multi",
            [
                Call(name="correlate", arguments={"x": "steps", "y": "valence"}),
                Call(name="causal_effect", arguments={"treatment": "steps", "outcome": "valence"}),
            ],
        ),
        Completion(
            "",
            [
                {
                    "function": {
                        "name": "causal_effect",
                        "arguments": json.dumps(
                            {"outcome": "valence", "treatment": "steps", "lag": 0}
                        ),
                    }
                },
                {
                    "function": {
                        "name": "correlate",
                        "arguments": json.dumps({"x": "steps", "y": "valence", "max_lag": 1.0}),
                    }
                },
            ],
            "",
        ),
        1.0,
    ),
]


@pytest.fixture
def scripted(monkeypatch):
    """A fake model answering SCRIPTED, on a clock that each answer moves on exactly."""
    clock = [0.0]
    monkeypatch.setattr(tool_calls, "_clock", lambda: clock[0])
    answers = {item.question(): (answer, seconds) for item, answer, seconds in SCRIPTED}
    seen: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []

    def complete(messages, tools):
        seen.append((messages, tools))
        answer, seconds = answers[messages[-1]["content"]]
        clock[0] += seconds
        if isinstance(answer, Exception):
            raise answer
        return answer

    return complete, seen


def test_run_with_scores_a_scripted_model_exactly(scripted):
    complete, seen = scripted
    report = run_with(
        complete,
        [item for item, _, _ in SCRIPTED],
        metrics_by_person=HELDOUT_METRICS,
        system_prompt="You are EQM.",
    )
    assert report.n == 7
    assert report.tool_name_accuracy == pytest.approx(5 / 7)  # a b c d g
    assert report.exact_match == pytest.approx(3 / 7)  # a d g
    assert report.valid_json_rate == pytest.approx(4 / 5)  # a b c e g tried; c broke
    assert report.no_tool_accuracy == pytest.approx(1 / 2)  # d yes, e no
    assert {
        k: (v.n, v.tool_name_accuracy, v.exact_match) for k, v in report.per_category.items()
    } == {
        "single": (3, 2 / 3, 1 / 3),
        "multi": (1, 1.0, 1.0),
        "follow_up": (1, 1.0, 0.0),
        "no_tool": (2, 0.5, 0.5),
    }
    assert report.latency_p50_s == pytest.approx(0.4)
    assert report.latency_p95_s == pytest.approx(0.6 + 0.7 * 0.4)  # rank 5.7 of 0..6
    assert [f.id for f in report.failures] == ["b", "c", "e", "f"]
    assert report.failures[-1].error == "RuntimeError: server down"
    assert [o.id for o in report.outcomes] == list("abcdefg")
    messages, tools = seen[0]
    assert messages[0] == {"role": "system", "content": "You are EQM."}
    stats_schema = next(t for t in tools if t["function"]["name"] == "stats_lookup")
    assert stats_schema["function"]["parameters"]["properties"]["metric"]["enum"] == sorted(
        HELDOUT_METRICS["alex"]
    )
    sam_tools = seen[4][1]
    sam_stats = next(t for t in sam_tools if t["function"]["name"] == "stats_lookup")
    assert sam_stats["function"]["parameters"]["properties"]["metric"]["enum"] == sorted(
        HELDOUT_METRICS["sam"]
    )
    table = format_table(report)
    assert "| single | 3 | 66.7% | 33.3% |" in table
    assert "| **all** | 7 | 71.4% | 42.9% |" in table and "valid JSON: 80.0%" in table


def test_run_with_keeps_the_items_order_when_concurrent(scripted):
    complete, _ = scripted
    report = run_with(
        complete,
        [item for item, _, _ in SCRIPTED],
        metrics_by_person=HELDOUT_METRICS,
        system_prompt="You are EQM.",
        concurrency=3,
    )
    assert [o.id for o in report.outcomes] == list("abcdefg")
    assert report.exact_match == pytest.approx(3 / 7)


def test_a_model_that_answers_like_the_suite_scores_full_marks(items):
    expected = {json.dumps(i.messages): i.expected for i in items}

    def perfect(messages, tools):
        calls = expected[json.dumps(messages[1:])]
        text = hermes(*({"name": c.name, "arguments": c.arguments} for c in calls))
        return Completion(text or "Here is what I can say.", None, text)

    report = run_with(
        perfect, items, metrics_by_person=HELDOUT_METRICS, system_prompt="You are EQM."
    )
    assert report.n == len(items) and not report.failures
    assert report.exact_match == report.tool_name_accuracy == report.no_tool_accuracy == 1.0
    assert report.valid_json_rate == 1.0


def test_run_with_needs_every_persons_metrics(items):
    with pytest.raises(ValueError, match="sam"):
        run_with(
            lambda m, t: Completion("", [], ""),
            items,
            metrics_by_person={"alex": HELDOUT_METRICS["alex"]},
            system_prompt="",
        )


def test_the_teacher_never_asks_an_evaluation_question(items):
    """A guard against copying: of many generated questions and follow-ups, none is, holds,
    or is held in a held-out or eval-suite question (the teacher's decontamination), and
    every held-out question is one the guard knows."""
    from training.teacher.decontaminate import contaminated, eval_questions, words

    assert {words(t) for i in items for t in _user_texts(i)} <= set(eval_questions())
    rng = random.Random(17)
    for index in range(6000):
        metrics = sorted(HELDOUT_METRICS["alex" if index % 2 else "sam"])
        for asked in (question(rng, metrics), follow_up(rng, metrics)):
            assert not contaminated(asked.text) and not contaminated(asked.clean), asked
    assert contaminated("hey, " + items[0].question() + " thanks")  # holds one
    assert contaminated(items[0].question().upper())  # is one
    longest = max((i.question() for i in items), key=len)
    assert contaminated(" ".join(longest.split()[1:5]))  # four of its words: held in one


def test_a_local_model_folder_runs_through_parse_hermes(tmp_path, items):
    """local_completer on a tiny random model: the plumbing (template, greedy decoding, the
    stop token, the raw text), not the model's quality."""
    from training.student import StudentConfig, build_student
    from training.tokenizer import train_tokenizer

    texts = [json.dumps(openai_tools(HELDOUT_METRICS["alex"]))] + [
        m["content"] for i in items for m in i.messages if m["role"] != "assistant"
    ]
    tokenizer = train_tokenizer(texts, vocab_size=400, min_frequency=1)
    config = StudentConfig(hidden_size=32, layers=1, heads=2, kv_heads=1, intermediate_size=64)
    model = build_student(tokenizer, config.model_copy(update={"max_length": 4096}))
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    complete = tool_calls.local_completer(tmp_path, max_new_tokens=12)
    report = run_with(
        complete, items[:2], metrics_by_person=HELDOUT_METRICS, system_prompt="You are EQM."
    )
    assert report.n == 2 and all(o.error is None for o in report.outcomes), report.outcomes
    assert all("<|im_end|>" not in o.raw.split("<|im_end|>")[0] for o in report.outcomes)


def test_run_endpoint_reads_tool_calls_from_an_openai_compatible_server(items):
    """The endpoint adapter against a fake server (httpx's MockTransport): the request it
    sends, tool_calls read from the message, and hermes text the server failed to parse."""
    import httpx
    import openai

    chosen = [next(i for i in items if i.id == name) for name in ("stats-02", "chrono-01", "fu-04")]
    requests: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        requests.append(body)
        if "Step count" in body["messages"][-1]["content"]:
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_0",
                        "type": "function",
                        "function": {
                            "name": "stats_lookup",
                            "arguments": '{"metric": "steps", "last_days": 10}',
                        },
                    }
                ],
            }
        elif body["messages"][-1]["content"] == "and booze?":
            message = {"role": "assistant", "content": "Alcohol goes with a lower mood."}
        else:  # the server's parser let a block through as text
            message = {
                "role": "assistant",
                "content": hermes({"name": "chronotype", "arguments": {}}),
            }
        return httpx.Response(
            200,
            json={
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            },
        )

    client = openai.OpenAI(
        base_url="http://eqm.test/v1",
        api_key="none",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        max_retries=0,
    )
    report = tool_calls.run_endpoint(
        client, "eqm-student", chosen, metrics_by_person=HELDOUT_METRICS, system_prompt="S"
    )
    assert [(o.exact_match, o.valid_json) for o in report.outcomes] == [
        (True, True),
        (True, False),
        (False, True),
    ]
    assert report.outcomes[2].predicted == [] and not report.outcomes[2].name_match
    first = requests[0]
    assert first["model"] == "eqm-student" and first["tool_choice"] == "auto"
    assert first["temperature"] == 0 and first["max_tokens"] == tool_calls.DEFAULT_MAX_TOKENS
    assert len(first["tools"]) == len(TOOLS) and first["messages"][0]["content"] == "S"
    follow = requests[2]["messages"]  # the earlier turns went out as OpenAI messages
    assert [m["role"] for m in follow] == [
        "system",
        "user",
        "assistant",
        "tool",
        "tool",
        "assistant",
        "user",
    ]
    assert isinstance(follow[2]["tool_calls"][0]["function"]["arguments"], str)
