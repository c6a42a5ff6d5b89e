"""The grounding guard: real tool results from a 120-day demo person, drafts that pass and
drafts that must not (invented numbers, wrong or missing citations, answers without tools)."""

from __future__ import annotations

import calendar
import re
import statistics
import time
from collections.abc import Iterator

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from agent.grounding import (
    FALLBACK_NOTE,
    Evidence,
    Verdict,
    check,
    fallback_answer,
    repair_prompt,
)
from brain.analytics.service import Analytics
from brain.store import Store
from tools import Subject, ToolContext, ToolErrorResult, ToolResult, call_tool
from tools.safety import CRISIS_RESPONSE, DIAGNOSIS_REFUSAL
from training.teacher.answers import CLARIFY, OTHERS_REFUSAL, answer, cannot_answer
from training.teacher.planner import Plan, ToolCall

ALEX = Subject.self_("alex")

CALLS = {
    "list_metrics": {},
    "sleep": ("stats_lookup", {"metric": "sleep_hours", "last_days": 30}),
    "steps": ("stats_lookup", {"metric": "steps", "last_weeks": 2}),
    "correlate": ("correlate", {"x": "sleep_hours", "y": "valence", "max_lag": 2}),
    "weekday_profile": {},
    "granger": ("granger", {"cause": "alcohol_drinks", "effect": "valence", "max_lag": 3}),
    "causal_effect": ("causal_effect", {"treatment": "steps", "outcome": "valence"}),
    "simulate": ("simulate", {"changes": {"sleep_hours": 8, "steps": 10000}}),
    "chronotype": {},
    "anomalies": ("anomalies", {"metric": "valence", "last_days": 60}),
    "forecast": ("forecast", {"metric": "steps", "horizon": 5}),
    "search_memories": ("search_memories", {"query": "tired after a party", "k": 3}),
    "bad_metric": ("stats_lookup", {"metric": "stepz"}),
}


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToolContext]:
    """120 demo days of "alex", imported from the demo exports, with memory search."""
    from brain.demo.people import DemoPerson, import_demo_person
    from tools.memories import EmbeddedMemoryStore, SentenceTransformerEmbedder

    folder = tmp_path_factory.mktemp("grounding")
    with Store.open(f"sqlite:///{folder / 'eqm.sqlite3'}") as store:
        import_demo_person(store, DemoPerson(name="alex", seed=7, days=120), folder / "exports")
        yield ToolContext(
            Analytics(store),
            EmbeddedMemoryStore(folder / "memories.sqlite3"),
            SentenceTransformerEmbedder(),
        )


@pytest.fixture(scope="module")
def outcomes(context: ToolContext) -> dict[str, ToolResult | ToolErrorResult]:
    found = {}
    for key, call in CALLS.items():
        name, arguments = call if isinstance(call, tuple) else (key, call)
        found[key] = call_tool(context, ALEX, name, arguments)
    return found


def evidence(*outcomes: ToolResult | ToolErrorResult) -> list[Evidence]:
    return [Evidence.from_outcome(i, outcome) for i, outcome in enumerate(outcomes, start=1)]


def one(output: dict, summary: str = "", name: str = "stats_lookup", **arguments) -> Evidence:
    return Evidence(index=1, name=name, arguments=arguments, summary=summary, output=output)


def kinds(verdict: Verdict) -> list[str]:
    return [v.kind for v in verdict.violations]


def assert_grounded(draft: str, items: list[Evidence]) -> Verdict:
    verdict = check(draft, items)
    assert verdict.grounded, (draft, [v.message for v in verdict.violations])
    return verdict


_MARKER = re.compile(r"\[\d+(?:,\s*\d+)*\]")


def with_markers(text: str, count: int) -> str:
    """The teacher's answer with the k-th paragraph cited as [k] (where it is not yet)."""
    paragraphs = text.split("\n\n")
    for k in range(min(count, len(paragraphs))):
        if not _MARKER.search(paragraphs[k]):
            paragraphs[k] += f" [{k + 1}]"
    return "\n\n".join(paragraphs)


# --- Evidence -------------------------------------------------------------------------------


def test_evidence_from_a_result_and_from_an_error(outcomes):
    result = outcomes["sleep"]
    item = Evidence.from_outcome(2, result)
    assert (item.index, item.name, item.error) == (2, "stats_lookup", False)
    assert item.summary == result.summary and item.arguments == result.arguments
    assert item.output == result.model_dump(mode="json")["result"]
    failed = Evidence.from_outcome(1, outcomes["bad_metric"], arguments={"metric": "stepz"})
    assert failed.error and failed.name == "stats_lookup"
    assert failed.output["error"] == "invalid_arguments"
    assert "stepz" in failed.summary and failed.arguments == {"metric": "stepz"}


# --- the teacher's answers pass -------------------------------------------------------------


@pytest.mark.parametrize("key", [k for k in CALLS if k != "bad_metric"])
def test_the_teachers_answer_to_each_tool_is_grounded(outcomes, key):
    result = outcomes[key]
    assert isinstance(result, ToolResult), result
    text = with_markers(answer(Plan(kind="tools"), [result]), 1)
    verdict = assert_grounded(text, evidence(result))
    assert verdict.cited == [1]


def test_a_teachers_multi_tool_answer_is_grounded_and_cites_each_call(outcomes):
    results = [outcomes[k] for k in ("sleep", "correlate", "search_memories", "bad_metric")]
    plan = Plan(
        kind="tools",
        calls=[ToolCall(name=r.tool, arguments=getattr(r, "arguments", {})) for r in results],
        missing="screen_brightness",
    )
    text = with_markers(answer(plan, results), len(results))
    verdict = assert_grounded(text, evidence(*results))
    assert verdict.cited == [1, 2, 3, 4]
    assert verdict.numbers_checked > 10


def test_the_teachers_numbers_are_all_checked(outcomes):
    result = outcomes["steps"]
    verdict = assert_grounded(f"{result.summary} [1]", evidence(result))
    # "Over the last 2 weeks, your steps averaged 9,125 (median 8,750, range 1,760 to
    # 14,518, 14 days), up 1,035 from the 14 days before." holds 8 numbers; the marker none
    assert verdict.numbers_checked == len(re.findall(r"\d[\d,.]*", result.summary))


# --- invented numbers and wrong citations ---------------------------------------------------


def test_an_invented_number_fails(outcomes):
    sleep = outcomes["sleep"]
    draft = f"{sleep.summary} You also slept 12.7 hours on your best night. [1]"
    verdict = check(draft, evidence(sleep))
    assert not verdict.grounded
    assert kinds(verdict) == ["ungrounded_number"]
    assert verdict.violations[0].text == "12.7"
    assert "12.7" in verdict.violations[0].message and "[1] (stats_lookup)" in repair_prompt(
        verdict
    )


def test_a_number_cited_to_the_wrong_call_fails_with_the_right_call_named(outcomes):
    sleep, correlate = outcomes["sleep"], outcomes["correlate"]
    items = evidence(sleep, correlate)
    r = f"{correlate.result['r']:.2f}"
    wrong = check(f"Sleep and mood go together (r = {r}). [1]", items)
    assert kinds(wrong) == ["ungrounded_number"]
    message = wrong.violations[0].message
    assert "not in [1] (stats_lookup)" in message and "cite [2]" in message
    assert_grounded(f"Sleep and mood go together (r = {r}). [2]", items)
    for both in ("[1, 2]", "[1][2]", "[2,1]"):
        verdict = assert_grounded(
            f"{sleep.summary} Sleep and mood go together (r = {r}). {both}", items
        )
        assert verdict.cited == [1, 2]


# --- how numbers match ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "grounded"),
    [("7.2", True), ("7.23", True), ("7.3", False), ("7", True), ("7.0", False), ("7.25", False)],
)
def test_rounding(written, grounded):
    assert check(f"You slept {written} hours. [1]", [one({"mean": 7.23})]).grounded is grounded


@pytest.mark.parametrize(("value", "grounded"), [(7.4, True), (7.5, True), (7.6, False)])
def test_an_integer_matches_what_rounds_to_it(value, grounded):
    assert check("About 7 hours. [1]", [one({"mean": value})]).grounded is grounded


@pytest.mark.parametrize(
    ("written", "output", "grounded"),
    [
        ("42%", {"share": 0.42}, True),
        ("42%", {"share": 0.4213}, True),
        ("42.1%", {"share": 0.4213}, True),
        ("42%", {"change_percent": 42.1}, True),
        ("42 percent", {"share": 0.4213}, True),
        ("+13%", {"change_percent": 12.79}, True),
        ("43%", {"share": 0.4213}, False),
        ("0.42", {"share": 42.0}, False),
        ("45 to 74%", {"low": 0.4462, "high": 0.7443}, True),
        ("45 to 75%", {"low": 0.4462, "high": 0.7443}, False),
    ],
)
def test_percent_forms(written, output, grounded):
    assert check(f"That is {written}. [1]", [one(output)]).grounded is grounded


def test_percents_from_a_real_weekday_profile(outcomes):
    profile = outcomes["weekday_profile"]
    monday = profile.result["weekdays"][0]["shares"]
    share = max(monday, key=lambda s: s["probability"])
    pct = round(100 * share["probability"])
    items = evidence(profile)
    assert_grounded(f"{pct}% of your Monday check-ins were {share['quadrant']}. [1]", items)
    held = [abs(x) for x in numbers_in(profile.model_dump(mode="json"))]
    absent = next(
        p for p in range(pct + 1, 100) if all(min(abs(x - p), abs(100 * x - p)) > 0.5 for x in held)
    )
    assert not check(f"{absent}% of your Monday check-ins were that. [1]", items).grounded


def numbers_in(value) -> list[float]:
    """Every number held in a JSON value, numbers written in its strings included."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in numbers_in(v)]
    if isinstance(value, list):
        return [x for v in value for x in numbers_in(v)]
    if isinstance(value, str):
        return [float(m.replace(",", "")) for m in re.findall(r"\d[\d,]*(?:\.\d+)?", value)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []


@pytest.mark.parametrize(
    ("written", "output", "grounded"),
    [
        ("391 minutes", {"mean": 6.513}, True),  # 6.513 h = 390.8 min
        ("400 minutes", {"mean": 6.513}, False),
        ("6.5 hours", {"minutes": 390.8}, True),
        ("6.5 h", {"minutes": 390.8}, True),
        ("7 h 32 min", {"mean": 7.5333}, True),
        ("7 hours and 32 minutes", {"minutes": 452}, True),
        ("7 h 40 min", {"mean": 7.5333}, False),
        ("5.2 km", {"metres": 5230}, True),
        ("5230 m", {"km": 5.23}, True),
        ("0.19 g", {"caffeine_mg": 190}, True),
        ("190 mg", {"caffeine_g": 0.19}, True),
        ("190 steps", {"caffeine_g": 0.19}, False),
    ],
)
def test_unit_forms(written, output, grounded):
    assert check(f"It came to {written}. [1]", [one(output)]).grounded is grounded


def test_hours_and_minutes_of_real_sleep(outcomes):
    sleep = outcomes["sleep"]
    minutes = round(sleep.result["mean"] * 60)
    items = evidence(sleep)
    assert_grounded(f"You slept {minutes} minutes a night on average. [1]", items)
    assert not check(f"You slept {minutes + 9} minutes a night. [1]", items).grounded


def test_dates_in_every_form(outcomes):
    anomalies = outcomes["anomalies"]
    day = anomalies.result["anomalies"][0]["date"]  # e.g. "2026-09-20"
    year, month, dom = (int(p) for p in day.split("-"))
    name = calendar.month_name[month]
    items = evidence(anomalies)
    forms = (
        day,
        f"{name} {dom}",
        f"{name[:3]} {dom}",
        f"{dom} {name} {year}",
        f"{name} {dom}, {year}",
        f"the {dom}th of {name}",
        f"{year}-{month:02d}",
        f"{name} {year}",
    )
    for written in forms:
        assert_grounded(f"Your most unusual day was {written}. [1]", items)
    other = 1 + dom % 28
    for written in (
        f"{name} {other}",
        f"{dom} {name} {year - 1}",
        f"{year}-{month:02d}-{other:02d}",
    ):
        verdict = check(f"Your most unusual day was {written}. [1]", items)
        assert kinds(verdict) == ["ungrounded_number"], written


def test_times_of_day(outcomes):
    chronotype = outcomes["chronotype"]
    clock = chronotype.result["msf_sc_clock"]  # "04:29"
    hour, minute = (int(p) for p in clock.split(":"))
    items = evidence(chronotype)
    for written in (clock, f"{hour}:{minute:02d}", f"{hour}:{minute:02d} am"):
        assert_grounded(f"Your mid-sleep on free days is {written}. [1]", items)
    assert not check(f"Your mid-sleep is {hour}:{(minute + 15) % 60:02d}. [1]", items).grounded
    onset = [one({"metric": "sleep_start", "mean": -0.5})]  # 23:30, as the timeline holds it
    for written, grounded in (
        ("23:30", True),
        ("11:30 pm", True),
        ("11 pm", True),
        ("11:30 PM", True),
        ("10 pm", False),
        ("22:30", False),
    ):
        assert check(f"You fell asleep at {written}. [1]", onset).grounded is grounded, written


def test_thousands_separators_and_ranges(outcomes):
    steps = outcomes["steps"]
    mean, low, high = (steps.result[k] for k in ("mean", "minimum", "maximum"))
    items = evidence(steps)
    assert_grounded(
        f"You walked {mean:,.0f} steps a day (from {low:,.0f} to {high:,.0f}). [1]", items
    )
    assert_grounded(f"You walked {mean:.0f} steps a day. [1]", items)
    verdict = check(f"You walked {mean + 100:,.0f} steps a day. [1]", items)
    assert [v.text for v in verdict.violations] == [f"{mean + 100:,.0f}"]
    ranges = [one({"minimum": 5.08, "maximum": 8.93, "low": 7, "high": 8})]
    assert_grounded("Between 5.1 to 8.9 hours, mostly 7-8 hours, or 7–8. [1]", ranges)
    verdict = check("Mostly 6-8 hours. [1]", ranges)  # 9 would be 8.93 rounded, and fine
    assert [v.text for v in verdict.violations] == ["6"]


def test_a_leading_point_and_an_exponent_are_numbers_too():
    items = [one({"r": 0.8046, "p": 1.0821e-06}, "strong (60% of days)")]
    assert_grounded("r = .80, p = 1.08e-06, a share of 0.6 [1]", items)
    verdict = check("r = .90, p = 2e-06 [1]", items)
    assert [v.text for v in verdict.violations] == [".90", "2e-06"]


def test_signs_are_read_but_either_sign_matches():
    items = [one({"change": -0.2828, "change_percent": 12.79})]
    verdict = assert_grounded("That is -0.28 from before, or 0.28 less; steps +13%. [1]", items)
    assert verdict.numbers_checked == 3


def test_list_markers_and_citation_markers_are_not_numbers():
    items = [one({"mean": 7.23}), one({"steps": 8412}).model_copy(update={"index": 2})]
    draft = "Here is what I found:\n1. You slept 7.2 hours. [1]\n2. You walked 8,412 steps. [2]"
    verdict = assert_grounded(draft, items)
    assert verdict.numbers_checked == 2 and verdict.cited == [1, 2]


def test_numbers_glued_to_words_and_numbers_in_words_are_not_checked():
    verdict = assert_grounded("Your steps_lag1 mattered; you slept seven hours. [1]", [one({})])
    assert verdict.numbers_checked == 0


def test_the_models_rounded_view_is_accepted():
    # for_model() shows 0.0199 for 0.019865...; the model may repeat either form
    assert_grounded(
        "An effect of 0.0199 per 1,000 steps. [1]", [one({"e": 0.019865569, "per": 1000})]
    )


# --- journal quotes -------------------------------------------------------------------------


def test_quoted_memories_are_grounded_by_the_memory_text(outcomes):
    found = outcomes["search_memories"]
    items = evidence(found)
    memory = found.result["memories"][0]
    assert_grounded(f'On {memory["day"]} you wrote: "{memory["text"]}" [1]', items)
    run = [
        one(
            {"count": 1, "memories": [{"day": "2026-05-03", "text": "Felt great, ran 5 km."}]},
            "Found 1 of your own notes related to the question.",
            name="search_memories",
            query="running",
        )
    ]
    assert_grounded('On 2026-05-03 you wrote: "Felt great, ran 5 km." [1]', run)
    assert_grounded("On May 3 you wrote that you ran 5 km. [1]", run)
    verdict = check('On 2026-05-03 you wrote: "Felt great, ran 6 km." [1]', run)
    assert [v.text for v in verdict.violations] == ["6"]


# --- citations ------------------------------------------------------------------------------


def test_a_paragraph_with_numbers_must_cite_even_with_one_call(outcomes):
    sleep = outcomes["sleep"]
    verdict = check(sleep.summary, evidence(sleep))
    assert kinds(verdict) == ["missing_citation"]
    assert "add [1]" in verdict.violations[0].message
    assert verdict.cited == []


def test_a_missing_citation_among_several_calls_names_the_source(outcomes):
    sleep, steps = outcomes["sleep"], outcomes["steps"]
    draft = f"{sleep.summary} [1]\n\n{steps.summary}"
    verdict = check(draft, evidence(sleep, steps))
    assert kinds(verdict) == ["missing_citation"]
    assert "[2]" in verdict.violations[0].message
    assert verdict.cited == [1]


def test_a_paragraph_without_numbers_needs_no_citation(outcomes):
    sleep = outcomes["sleep"]
    draft = f"{sleep.summary} [1]\n\nWant me to compare it with your mood?"
    assert assert_grounded(draft, evidence(sleep)).cited == [1]


def test_unknown_citations(outcomes):
    sleep, steps = outcomes["sleep"], outcomes["steps"]
    items = evidence(sleep, steps)
    verdict = check(f"{sleep.summary} [3]", items)
    assert "unknown_citation" in kinds(verdict)
    unknown = next(v for v in verdict.violations if v.kind == "unknown_citation")
    assert unknown.text == "[3]" and "[1] (stats_lookup), [2] (stats_lookup)" in unknown.message
    assert check(f"{sleep.summary} [0]", items).violations[0].kind == "unknown_citation"
    mixed = check(f"{sleep.summary} [1, 5]", items)
    assert kinds(mixed) == ["unknown_citation"] and mixed.cited == [1]
    without_numbers = check("See above. [2]", evidence(sleep))
    assert kinds(without_numbers) == ["unknown_citation"]


# --- answers without tools ------------------------------------------------------------------


@pytest.mark.parametrize(
    "draft",
    [
        CRISIS_RESPONSE,
        DIAGNOSIS_REFUSAL,
        OTHERS_REFUSAL,
        *CLARIFY.values(),
        cannot_answer("screen_brightness", ["sleep_hours", "steps"]),
        "Which period do you mean: this week or this month?",
        "I'm not able to see that in your data.",
    ],
)
def test_answers_without_tools_that_are_allowed(draft):
    verdict = assert_grounded(draft, [])
    assert verdict.cited == []


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        ("You slept 7 hours.", ["ungrounded_number", "no_tools"]),
        ("You have been sleeping well lately.", ["no_tools"]),
        ("Did you mean the last 7 days?", ["ungrounded_number", "no_tools"]),
        (f"{CRISIS_RESPONSE} You slept 7 hours.", ["ungrounded_number", "no_tools"]),
        ("You slept well. [1]", ["unknown_citation", "no_tools"]),
    ],
)
def test_answers_without_tools_that_are_not(draft, expected):
    verdict = check(draft, [])
    assert kinds(verdict) == expected
    if "no_tools" in expected:
        assert "call one, or ask a clarifying question" in verdict.violations[-1].message


def test_an_empty_draft_is_not_an_answer(outcomes):
    assert kinds(check("  \n", evidence(outcomes["sleep"]))) == ["empty_answer"]


def test_kind_hints():
    assert check(CRISIS_RESPONSE, [], kind_hint="safety").grounded
    assert kinds(check("Please talk to someone.", [], kind_hint="safety")) == ["wrong_kind"]
    assert kinds(check("I can't tell.", [], kind_hint="clarify")) == ["wrong_kind"]
    assert check(DIAGNOSIS_REFUSAL, [], kind_hint="refuse").grounded
    assert kinds(check("Which week?", [], kind_hint="tools")) == ["no_tools"]
    with pytest.raises(ValueError, match="kind_hint"):
        check("Hi?", [], kind_hint="chat")  # type: ignore[arg-type]


# --- repair and fallback --------------------------------------------------------------------


def test_repair_prompt_lists_each_violation_once(outcomes):
    sleep = outcomes["sleep"]
    verdict = check(
        f"You slept 12.7 hours and 12.7 more. [1]\n\n{sleep.summary} [4]", evidence(sleep)
    )
    prompt = repair_prompt(verdict)
    assert prompt.startswith("Your answer could not be verified")
    assert prompt.count("12.7") >= 1 and "[4]" in prompt
    assert len(prompt.splitlines()) == 1 + len({v.message for v in verdict.violations})
    assert repair_prompt(check(f"{sleep.summary} [1]", evidence(sleep))) == ""


def test_fallback_answer_passes_the_check_and_quotes_every_summary(outcomes):
    results = [outcomes[k] for k in CALLS]
    items = evidence(*results)
    text = fallback_answer(items)
    verdict = assert_grounded(text, items)
    assert verdict.cited == list(range(1, len(items) + 1))
    for result in results:
        if isinstance(result, ToolResult):
            assert result.summary in text
    assert "The stats_lookup tool could not answer: " in text and "stepz" in text
    assert text.endswith(FALLBACK_NOTE)
    assert fallback_answer(items) == text  # deterministic
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == len(items) + 1
    assert all(p.endswith(f"[{i}]") for i, p in enumerate(paragraphs[:-1], start=1))


def test_fallback_answer_neutralises_brackets_and_blank_lines_in_memories():
    odd = one(
        {"count": 1, "memories": [{"day": "2026-05-03", "text": "see [7]\n\nran 5 km"}]},
        "Found 1 of your own notes related to the question.",
        name="search_memories",
    )
    text = fallback_answer([odd])
    assert_grounded(text, [odd])
    assert "(7)" in text


def test_fallback_without_evidence_asks_back():
    assert_grounded(fallback_answer([]), [])


# --- properties and speed -------------------------------------------------------------------


@given(
    value=st.floats(min_value=-1e5, max_value=1e5, allow_nan=False, allow_infinity=False),
    digits=st.integers(min_value=0, max_value=2),
    units=st.integers(min_value=2, max_value=50),
)
@example(value=7.23, digits=1, units=2)
@example(value=7.25, digits=1, units=2)
@example(value=-0.004, digits=2, units=2)
def test_any_rounding_of_a_tool_value_is_accepted_and_a_shifted_one_is_not(value, digits, units):
    items = [one({"value": value})]
    written = f"{value:.{digits}f}"
    assert check(f"It was {written}. [1]", items).grounded, written
    step = 10.0**-digits
    rendered = float(written)
    shifted = rendered + (step * units if rendered >= 0 else -step * units)
    # the model's view (4 significant digits) is evidence too: keep clear of it as well
    view = float(f"{value:.4g}")
    assume(abs(abs(shifted) - abs(view)) > 0.5 * step + 1e-6)
    wrong = f"{shifted:.{digits}f}"
    verdict = check(f"It was {wrong}. [1]", items)
    assert kinds(verdict) == ["ungrounded_number"], (value, wrong)


def test_check_is_fast_on_a_thousand_character_draft(outcomes):
    results = [outcomes["sleep"], outcomes["correlate"], outcomes["weekday_profile"]]
    items = evidence(*results)
    draft = "\n\n".join(f"{r.summary} [{i}]" for i, r in enumerate(results, start=1))
    draft = (draft + "\n\n") * (1000 // len(draft) + 1)
    draft = draft[: draft.rfind("]", 0, 1000) + 1]
    assert 800 <= len(draft) <= 1000
    assert check(draft, items).grounded
    timings = []
    for _ in range(30):
        start = time.perf_counter()
        check(draft, evidence(*results))  # fresh evidence: nothing cached between calls
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.005, f"median {statistics.median(timings) * 1000:.2f} ms"


def test_an_answer_after_tool_calls_must_cite_one_even_without_numbers(outcomes):
    items = evidence(outcomes["sleep"])
    verdict = check("Could you sleep more against a bit more about what you'd like?", items)
    assert not verdict.grounded
    assert [v.kind for v in verdict.violations] == ["missing_citation"]
    assert "[1]" in verdict.violations[0].message
    assert check("Your sleep looks steady. [1]", items).grounded
