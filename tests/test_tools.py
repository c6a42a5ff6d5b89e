"""The tool layer: schemas, every tool on the demo person, structured errors, scoping."""

from __future__ import annotations

import json

import pytest

from brain.analytics.service import Analytics
from brain.store import Store
from tools import TOOLS, Subject, ToolContext, ToolErrorResult, ToolResult, call_tool, openai_tools

VALID_CALLS = {
    "list_metrics": {},
    "stats_lookup": {"metric": "steps", "last_weeks": 2},
    "correlate": {"x": "sleep_hours", "y": "valence", "max_lag": 2},
    "weekday_profile": {},
    "granger": {"cause": "alcohol_drinks", "effect": "valence", "max_lag": 3},
    "causal_effect": {"treatment": "steps", "outcome": "valence"},
    "simulate": {"changes": {"sleep_hours": 8, "steps": 10000}},
    "chronotype": {},
    "anomalies": {"metric": "valence", "last_days": 60},
    "forecast": {"metric": "steps", "horizon": 5},
}


@pytest.fixture(scope="module")
def context(demo_store: Store) -> ToolContext:
    return ToolContext(Analytics(demo_store))


ALEX = Subject.self_("alex")


def test_the_registry_has_the_tools_the_model_is_promised():
    openai_tools()
    assert set(VALID_CALLS) <= set(TOOLS)


def test_schemas_are_openai_functions_with_the_persons_metrics_as_enums():
    schemas = {s["function"]["name"]: s for s in openai_tools(["steps", "valence"])}
    stats = schemas["stats_lookup"]
    assert stats["type"] == "function"
    parameters = stats["function"]["parameters"]
    assert parameters["properties"]["metric"]["enum"] == ["steps", "valence"]
    assert parameters["properties"]["last_days"]["maximum"] == 3660
    assert parameters["additionalProperties"] is False
    assert parameters["required"] == ["metric"]
    assert "title" not in json.dumps(schemas)
    assert all(s["function"]["description"] for s in schemas.values())


@pytest.mark.parametrize("name", sorted(VALID_CALLS))
def test_every_tool_answers_with_provenance(context: ToolContext, name: str):
    outcome = call_tool(context, ALEX, name, VALID_CALLS[name])
    assert isinstance(outcome, ToolResult), outcome
    assert outcome.tool == name and outcome.summary
    assert outcome.data_version >= 1
    assert outcome.first_day is not None and outcome.last_day is not None
    again = call_tool(
        ToolContext(Analytics(context.analytics.store)), ALEX, name, json.dumps(VALID_CALLS[name])
    )
    assert again.model_dump_json() == outcome.model_dump_json()  # byte for byte


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("stats_lookup", {"metric": "stepz"}, "'stepz' is not one of this person's metrics"),
        ("stats_lookup", {"metric": "steps", "last_days": "seven"}, "last_days: Input should"),
        ("stats_lookup", {"metric": "steps", "last_days": 0}, "greater than or equal to 1"),
        ("stats_lookup", {"metric": "steps", "start": "2026-13-01"}, "start: Input should"),
        ("stats_lookup", {"metric": "steps", "month": "May", "last_days": 3}, "only one of"),
        ("stats_lookup", {"metric": "steps", "month": "Smarch"}, "cannot read the month"),
        ("stats_lookup", {"metric": "steps", "person": "bob"}, "person: Extra inputs"),
        ("stats_lookup", {"metric": "steps", "period": "whenever"}, "cannot read the period"),
        ("stats_lookup", {"metric": "steps", "period": "May", "last_days": 3}, "not both"),
        ("anomalies", {"metric": "steps", "period": "last week", "last_days": 3}, "not both"),
        ("stats_lookup", {}, "metric: Field required"),
        ("correlate", {"x": "steps", "y": "valence", "max_lag": 30}, "less than or equal to 7"),
        ("forecast", {"metric": "steps", "horizon": 40}, "less than or equal to 14"),
        ("simulate", {"changes": {"coffee_cups": 3}}, "sleep_hours"),
        ("simulate", {"changes": {}}, "changes: Dictionary should have at least 1 item"),
    ],
)
def test_bad_arguments_come_back_as_structured_errors(context, name, arguments, message):
    outcome = call_tool(context, ALEX, name, arguments)
    assert isinstance(outcome, ToolErrorResult)
    assert outcome.error == "invalid_arguments"
    assert message in outcome.message


def test_a_period_in_the_persons_words_is_the_period_of_the_explicit_arguments(context):
    """ "past 2 weeks" is last_weeks 2 (14 days), read by brain; the resolution shows in the
    result's days, and the words stay in its arguments."""
    said = call_tool(context, ALEX, "stats_lookup", {"metric": "steps", "period": "past 2 weeks"})
    explicit = call_tool(context, ALEX, "stats_lookup", {"metric": "steps", "last_weeks": 2})
    assert isinstance(said, ToolResult) and isinstance(explicit, ToolResult)
    assert said.arguments == {"metric": "steps", "period": "past 2 weeks", "days": "all"}
    assert (said.first_day, said.last_day, said.summary) == (
        explicit.first_day,
        explicit.last_day,
        explicit.summary,
    )
    assert (said.last_day - said.first_day).days == 13
    window = call_tool(context, ALEX, "anomalies", {"metric": "steps", "period": "last 2 months"})
    same = call_tool(context, ALEX, "anomalies", {"metric": "steps", "last_days": 60})
    assert window.result == same.result


def test_unknown_metric_errors_list_the_valid_ones(context: ToolContext):
    outcome = call_tool(context, ALEX, "anomalies", {"metric": "mood"})
    assert isinstance(outcome, ToolErrorResult) and "valence" in outcome.valid


def test_text_that_is_not_json_and_unknown_tools(context: ToolContext):
    broken = call_tool(context, ALEX, "stats_lookup", '{"metric": "steps"')
    assert isinstance(broken, ToolErrorResult) and "not valid JSON" in broken.message
    listed = call_tool(context, ALEX, "stats_lookup", "[1, 2]")
    assert isinstance(listed, ToolErrorResult) and "JSON object" in listed.message
    unknown = call_tool(context, ALEX, "delete_everything", {})
    assert unknown.error == "unknown_tool" and "stats_lookup" in unknown.valid
    deep = call_tool(context, ALEX, "stats_lookup", "[" * 100_000 + "]" * 100_000)
    assert isinstance(deep, ToolErrorResult) and deep.message == "arguments nest too deeply"


def test_a_simulation_far_outside_the_persons_range_is_refused(context: ToolContext):
    outcome = call_tool(context, ALEX, "simulate", {"changes": {"sleep_hours": 30}})
    assert isinstance(outcome, ToolResult)
    assert outcome.result["refused"] is True and outcome.result["valence"] is None


def test_tools_read_only_the_subjects_data(context: ToolContext):
    stranger = call_tool(context, Subject.self_("bob"), "stats_lookup", {"metric": "steps"})
    assert isinstance(stranger, ToolErrorResult) and stranger.error == "no_data"
    parent = Subject.parent_of("alex", "pat", memories_shared=False)
    as_parent = call_tool(context, parent, "stats_lookup", {"metric": "steps", "last_days": 7})
    as_self = call_tool(context, ALEX, "stats_lookup", {"metric": "steps", "last_days": 7})
    assert as_parent.model_dump_json() == as_self.model_dump_json()


EVERY_DATA_TOOL = {
    "list_metrics": {},
    "stats_lookup": {"metric": "steps"},
    "correlate": {"x": "sleep_hours", "y": "valence"},
    "weekday_profile": {},
    "granger": {"cause": "sleep_hours", "effect": "valence"},
    "causal_effect": {"treatment": "sleep_hours", "outcome": "valence"},
    "simulate": {"changes": {"sleep_hours": 8}},
    "chronotype": {},
    "anomalies": {"metric": "steps"},
    "forecast": {"metric": "valence"},
}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "arguments"), EVERY_DATA_TOOL.items())
def test_every_tool_reads_its_subjects_data_and_nobody_elses(context, name, arguments):
    """The authorization matrix at the tool layer (search_memories has its own tests below:
    a parent reads a child's memories only where shared)."""
    assert {*EVERY_DATA_TOOL, "search_memories"} == set(TOOLS)
    stranger = call_tool(context, Subject.self_("bob"), name, arguments)
    assert isinstance(stranger, ToolErrorResult) and stranger.error == "no_data"
    as_self = call_tool(context, ALEX, name, arguments)
    assert isinstance(as_self, ToolResult)
    parent = Subject.parent_of("alex", "pat", memories_shared=False)
    assert call_tool(context, parent, name, arguments) == as_self


@pytest.fixture(scope="module")
def with_memories(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> ToolContext:
    from tools.memories import EmbeddedMemoryStore, SentenceTransformerEmbedder

    folder = tmp_path_factory.mktemp("memories")
    return ToolContext(
        Analytics(demo_store),
        EmbeddedMemoryStore(folder / "memories.sqlite3"),
        SentenceTransformerEmbedder(),
    )


def test_search_memories_finds_the_persons_own_words(with_memories: ToolContext):
    outcome = call_tool(
        with_memories,
        ALEX,
        "search_memories",
        {"query": "a hangover after a night of drinks", "k": 3},
    )
    assert isinstance(outcome, ToolResult), outcome
    assert outcome.result["count"] == 3 == len(outcome.result["memories"])
    assert all(m["text"] for m in outcome.result["memories"])
    window = call_tool(
        with_memories,
        ALEX,
        "search_memories",
        {"query": "work stress", "from": "2026-10-01", "to": "2026-10-31"},
    )
    assert all("2026-10-01" <= m["day"] <= "2026-10-31" for m in window.result["memories"])
    assert window.arguments["from"] == "2026-10-01"


def test_a_parent_sees_a_childs_memories_only_when_shared(with_memories: ToolContext):
    private = Subject.parent_of("alex", "pat", memories_shared=False)
    refused = call_tool(with_memories, private, "search_memories", {"query": "school"})
    assert isinstance(refused, ToolErrorResult) and refused.error == "not_allowed"
    assert "private" in refused.message
    shared = Subject.parent_of("alex", "pat", memories_shared=True)
    assert isinstance(
        call_tool(with_memories, shared, "search_memories", {"query": "school"}), ToolResult
    )


def test_search_memories_argument_errors(with_memories: ToolContext):
    for arguments, message in (
        ({"query": ""}, "query: String should have at least 1 character"),
        ({"query": "x", "k": 50}, "k: Input should be less than or equal to 20"),
        ({"query": "x", "from": "2026-10-05", "to": "2026-10-01"}, "is after"),
        ({"query": "x", "quadrant": "sad"}, "quadrant: Input should be"),
    ):
        outcome = call_tool(with_memories, ALEX, "search_memories", arguments)
        assert isinstance(outcome, ToolErrorResult) and message in outcome.message, outcome


def test_the_models_view_keeps_the_summary_days_and_caveats_not_the_tables(context):
    result = call_tool(context, Subject.self_("alex"), "correlate", {"x": "steps", "y": "valence"})
    assert isinstance(result, ToolResult) and "lags" in result.result
    view = json.loads(result.for_model())
    assert view == {
        "tool": "correlate",
        "summary": result.summary,
        "n": result.result["n"],
        "caveats": result.result["caveats"],
    }


def test_the_models_view_lists_metrics_with_their_days(context):
    result = call_tool(context, Subject.self_("alex"), "list_metrics", {})
    assert isinstance(result, ToolResult)
    view = json.loads(result.for_model())
    assert view["metrics"] == {m["metric"]: m["days"] for m in result.result["metrics"]}


def test_a_plain_daily_csv_without_mood_words_works_with_every_tool(tmp_path):
    """Valence and arousal as daily columns, no check-ins: every tool answers, or says
    plainly what is missing; none fails as `internal` (it was a KeyError on 'mood_label')."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    days = pd.date_range("2026-01-01", periods=150, freq="D")
    sleep = rng.normal(7, 0.8, len(days)).round(2)
    frame = pd.DataFrame(
        {
            "date": days.strftime("%Y-%m-%d"),
            "sleep_hours": sleep,
            "work_hours": rng.normal(8, 1, len(days)).round(1),
            "caffeine_mg": rng.integers(0, 300, len(days)),
            "steps": rng.integers(3000, 14000, len(days)),
            "exercise_minutes": rng.integers(0, 60, len(days)),
            "valence": (0.2 * (sleep - 7) + rng.normal(0, 0.3, len(days))).clip(-1, 1).round(2),
            "arousal": rng.normal(0, 0.3, len(days)).clip(-1, 1).round(2),
        }
    )
    path = tmp_path / "daily.csv"
    frame.to_csv(path, index=False)
    with Store.open(f"sqlite:///{tmp_path / 'eqm.sqlite3'}") as store:
        store.import_file("casey", path, timezone="UTC")
        context, casey = ToolContext(Analytics(store)), Subject.self_("casey")
        calls = VALID_CALLS | {"granger": {"cause": "sleep_hours", "effect": "valence"}}
        for name, arguments in calls.items():
            outcome = call_tool(context, casey, name, arguments)
            assert not (isinstance(outcome, ToolErrorResult) and outcome.error == "internal"), (
                outcome
            )
        assert isinstance(
            call_tool(context, casey, "stats_lookup", {"metric": "valence"}), ToolResult
        )
