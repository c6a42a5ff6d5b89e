"""The completion log and feedback, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import event, func, select

from agent.accounts import Accounts
from agent.completions import CompletionLog, CompletionRecord, new_completion_id
from agent.errors import Conflict, InvalidRequest, NotFound
from agent.tables import completions, feedback
from tools import ToolCall, ToolResult


@pytest.fixture
def log(store_url: str) -> Iterator[CompletionLog]:
    with CompletionLog.open(store_url) as opened:
        yield opened


def answer(asker: str, person: str | None = None, **fields) -> CompletionRecord:
    """A realistic record: one tool call, a grounded answer."""
    defaults = dict(
        asker=asker,
        person=person or asker,
        conversation_id="conv-1",
        model="eqm-default-v1",
        request=[
            {"role": "system", "content": "You are EQM."},
            {"role": "user", "content": "How did I sleep last week?"},
        ],
        tool_trace=[
            ToolCall(
                name="stats_lookup",
                arguments={"metric": "sleep_hours", "last_days": 7},
                outcome=ToolResult(
                    tool="stats_lookup",
                    arguments={"metric": "sleep_hours", "last_days": 7},
                    data_version=3,
                    first_day=date(2026, 5, 10),
                    last_day=date(2026, 5, 16),
                    summary="You slept 7.1 hours a night on average.",
                    result={"mean": 7.1, "n": 7},
                ),
            )
        ],
        answer="You slept 7.1 hours a night on average over the last 7 nights.",
        grounded=True,
        usage={"prompt_tokens": 120, "completion_tokens": 18, "total_tokens": 138},
        latency_ms=412.5,
    )
    return CompletionRecord(**{**defaults, **fields})


def count(log: CompletionLog, table) -> int:
    with log.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_record_comes_back_whole(log: CompletionLog):
    record = answer("alex", safety=True, fallback=True)
    assert re.fullmatch(r"chatcmpl-[0-9a-f]{24}", record.id)
    log.record(record)
    back = log.get(record.id)
    assert back == record
    assert back.created_at.tzinfo is not None
    assert back.tool_trace == record.tool_trace  # the same typed record, provenance and all
    assert back.tool_trace[0].outcome.last_day == date(2026, 5, 16)
    assert (back.grounded, back.fallback, back.safety) == (True, True, True)
    assert log.get(record.id, asker="alex") == record


def test_a_record_kept_before_tool_calls_were_typed_reads_back(log: CompletionLog):
    record = answer("alex")
    row = record.model_dump(mode="json")
    (call,) = row["tool_trace"]  # the shape kept until ToolCall: the outcome as `output`
    outcome = call.pop("outcome")
    row["tool_trace"] = [{**call, "summary": outcome["summary"], "ok": True, "output": outcome}]
    with log.engine.begin() as connection:
        connection.execute(completions.insert().values(**{**row, "created_at": record.created_at}))
    assert log.get(record.id).tool_trace == record.tool_trace


def test_ids_are_unique_and_unknown_ones_not_found(log: CompletionLog):
    record = answer("alex")
    log.record(record)
    with pytest.raises(Conflict, match=f"a completion with id {record.id!r} is already"):
        log.record(answer("kim", id=record.id))
    assert log.get(record.id).asker == "alex"
    with pytest.raises(NotFound) as caught:
        log.get("chatcmpl-nope")
    assert caught.value.status == 404
    with pytest.raises(NotFound, match="asked by 'kim'"):
        log.get(record.id, asker="kim")


def test_a_record_must_be_well_formed():
    with pytest.raises(ValidationError):
        answer("alex", latency_ms=-1)
    assert new_completion_id() != new_completion_id()


def test_you_can_only_rate_your_own_answers(log: CompletionLog):
    mine, theirs = answer("alex"), answer("kim")
    log.record(mine)
    log.record(theirs)
    rated = log.add_feedback(mine.id, "alex", "up", "spot on")
    assert (rated.completion_id, rated.asker, rated.rating, rated.comment) == (
        mine.id,
        "alex",
        "up",
        "spot on",
    )
    messages = []
    for completion_id in (theirs.id, "chatcmpl-unknown"):
        with pytest.raises(NotFound) as caught:
            log.add_feedback(completion_id, "alex", "down")
        messages.append(str(caught.value).replace(repr(completion_id), "ID"))
    assert messages[0] == messages[1] == "no completion ID asked by 'alex' to rate"
    assert count(log, feedback) == 1


def test_a_parent_rates_what_they_asked_about_their_child(log: CompletionLog):
    record = answer("sam", person="alex")
    log.record(record)
    assert log.add_feedback(record.id, "sam", "down").rating == "down"
    with pytest.raises(NotFound):
        log.add_feedback(record.id, "alex", "up")  # alex did not ask it
    assert [f.asker for f in log.feedback_for("alex")] == ["sam"]


def test_rating_again_replaces_the_earlier_rating(log: CompletionLog):
    record = answer("alex")
    log.record(record)
    first = log.add_feedback(record.id, "alex", "up", "good")
    second = log.add_feedback(record.id, "alex", "down")
    assert second.id == first.id
    assert (second.rating, second.comment) == ("down", None)
    assert second.created_at >= first.created_at
    assert log.feedback_for("alex") == [second]
    assert count(log, feedback) == 1


@pytest.mark.parametrize("rating", ["", "UP", "meh", "1"])
def test_ratings_are_up_or_down(log: CompletionLog, rating: str):
    record = answer("alex")
    log.record(record)
    with pytest.raises(InvalidRequest) as caught:
        log.add_feedback(record.id, "alex", rating)
    assert caught.value.status == 400 and "rating must be 'up' or 'down'" in str(caught.value)
    assert count(log, feedback) == 0


def test_comments_are_at_most_2000_characters(log: CompletionLog):
    record = answer("alex")
    log.record(record)
    with pytest.raises(InvalidRequest, match="the comment has 2001 characters; at most 2000"):
        log.add_feedback(record.id, "alex", "up", "x" * 2001)
    assert log.add_feedback(record.id, "alex", "up", "x" * 2000).comment == "x" * 2000


def test_feedback_for_is_scoped(log: CompletionLog):
    a, k = answer("alex"), answer("kim")
    log.record(a)
    log.record(k)
    log.add_feedback(a.id, "alex", "up")
    log.add_feedback(k.id, "kim", "down")
    assert [(f.completion_id, f.rating) for f in log.feedback_for("alex")] == [(a.id, "up")]
    assert [(f.completion_id, f.rating) for f in log.feedback_for("kim")] == [(k.id, "down")]
    assert log.feedback_for("nobody") == []


def populate(log: CompletionLog) -> dict[str, CompletionRecord]:
    records = {
        "alex": answer("alex"),
        "sam_about_alex": answer("sam", person="alex"),
        "sam_about_lee": answer("sam", person="lee"),
        "kim": answer("kim"),
    }
    for key, record in records.items():
        log.record(record)
        log.add_feedback(record.id, record.asker, "up", f"from {key}")
    return records


def test_delete_person_is_complete_and_scoped(log: CompletionLog):
    records = populate(log)
    assert log.delete_person("alex") == 2  # asked by alex, and asked about alex
    for key in ("alex", "sam_about_alex"):
        with pytest.raises(NotFound):
            log.get(records[key].id)
    assert log.export_person("alex") == [] and log.feedback_for("alex") == []
    assert count(log, completions) == 2 and count(log, feedback) == 2
    assert log.get(records["kim"].id) == records["kim"]
    assert [f.comment for f in log.feedback_for("sam")] == ["from sam_about_lee"]
    assert log.delete_person("alex") == 0


def test_export_person_is_complete_scoped_and_json(log: CompletionLog):
    records = populate(log)
    exported = log.export_person("alex")
    assert {e["id"] for e in exported} == {records["alex"].id, records["sam_about_alex"].id}
    by_id = {e["id"]: e for e in exported}
    alex = by_id[records["alex"].id]
    assert alex["request"][1]["content"] == "How did I sleep last week?"
    assert alex["tool_trace"][0]["name"] == "stats_lookup"
    assert [f["comment"] for f in alex["feedback"]] == ["from alex"]
    assert [f["comment"] for f in by_id[records["sam_about_alex"].id]["feedback"]] == [
        "from sam_about_alex"
    ]
    json.dumps(exported)  # JSON-ready as it is
    assert {(e["asker"], e["person"]) for e in exported} == {("alex", "alex"), ("sam", "alex")}


def test_a_failed_delete_leaves_everything_in_place(log: CompletionLog):
    records = populate(log)

    def refuse(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM COMPLETIONS"):
            raise RuntimeError("the database went away")

    event.listen(log.engine, "before_cursor_execute", refuse)
    with pytest.raises(Exception, match="the database went away"):
        log.delete_person("alex")  # after its feedback was deleted
    event.remove(log.engine, "before_cursor_execute", refuse)
    assert count(log, completions) == 4 and count(log, feedback) == 4
    assert log.get(records["alex"].id) == records["alex"]


def test_feedback_goes_with_its_completion(log: CompletionLog):
    record = answer("alex")
    log.record(record)
    log.add_feedback(record.id, "alex", "up")
    with log.engine.begin() as connection:
        connection.execute(completions.delete().where(completions.c.id == record.id))
    assert count(log, feedback) == 0  # the foreign key cascades on both databases


def test_one_engine_serves_accounts_and_the_log(store_url: str):
    with Accounts.open(store_url) as accounts:
        log = CompletionLog(accounts.engine)
        _, key = accounts.create_user("alex")
        subject = accounts.subject_for(accounts.authenticate(key), None)
        record = answer(subject.asker, subject.person, created_at=datetime(2026, 5, 1, tzinfo=UTC))
        log.record(record)
        assert log.get(record.id).created_at == datetime(2026, 5, 1, tzinfo=UTC)
