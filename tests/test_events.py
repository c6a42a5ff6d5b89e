"""Events from a client app and journal entries: the file pipeline's guarantees, in memory."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from brain import affect
from brain.errors import ImportFailed, InvalidQuery
from brain.importers import choose
from brain.importers.events import MAX_EVENTS, EventBatch
from brain.store import Store, ingest
from brain.store.export import person_tables
from brain.store.schema import daily_values, people, raw_records
from tools.memories.ingest import memories_from_store

TODAY = date(2026, 6, 1)
DAY = date(2026, 5, 17)


def checkin(at: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "checkin", "at": at, **fields}


def measurement(metric: str, value: float, **fields: Any) -> dict[str, Any]:
    return {"kind": "measurement", "metric": metric, "value": value, **fields}


def state(store: Store) -> dict[str, Any]:
    """Every row of every table, to prove that something changed nothing."""
    with store.engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table)).all()), key=repr)
            for table in person_tables()
        }


def test_checkins_become_valence_arousal_and_a_count_for_their_day(store: Store):
    calm, anxious = affect.lookup("calm"), affect.lookup("anxious")
    assert calm is not None and anxious is not None
    summary = store.import_events(
        "alex",
        [
            checkin("2026-05-17T08:30:00", mood="calm"),
            checkin("2026-05-17T20:00:00", mood="Anxious"),  # as people write it
            checkin("2026-05-18T09:00:00", valence=0.5, arousal=-0.25),
        ],
        timezone="Europe/Berlin",
        today=TODAY,
    )
    assert summary.format == "events" and summary.file == "events.json"
    assert summary.rejected == 0 and summary.unknown_labels == {}
    assert summary.metrics == {"arousal": 3, "mood_label": 3, "valence": 3}
    timeline = store.timeline("alex")
    assert timeline.loc[DAY, "checkins"] == 2
    assert timeline.loc[DAY, "valence"] == pytest.approx((calm.valence + anxious.valence) / 2)
    assert timeline.loc[DAY, "arousal"] == pytest.approx((calm.arousal + anxious.arousal) / 2)
    assert timeline.loc[date(2026, 5, 18), ["checkins", "valence", "arousal"]].tolist() == [
        1,
        0.5,
        -0.25,
    ]
    checkins = store.checkins("alex")
    assert checkins["label"].tolist() == ["calm", "Anxious", "check-in"]
    assert checkins["at"].iloc[0] == datetime(2026, 5, 17, 8, 30)  # local time kept
    assert store.person("alex").timezone == "Europe/Berlin"


def test_a_persons_own_numbers_win_over_the_lexicon_and_unknown_words_are_kept(store: Store):
    summary = store.import_events(
        "alex",
        [
            checkin("2026-05-17T08:30:00", mood="calm", valence=-0.5),
            checkin("2026-05-17T09:30:00", mood="flibbertigibbet"),
        ],
        today=TODAY,
    )
    calm = affect.lookup("calm")
    assert calm is not None
    assert summary.unknown_labels == {"flibbertigibbet": 1}
    checkins = store.checkins("alex")
    assert checkins["valence"].iloc[0] == -0.5
    assert checkins["arousal"].iloc[0] == pytest.approx(calm.arousal)
    assert checkins["label"].iloc[1] == "flibbertigibbet"
    assert checkins["valence"].isna().iloc[1]
    assert store.timeline("alex").loc[DAY, "checkins"] == 2


def test_measurements_become_daily_metrics_in_canonical_units(store: Store):
    summary = store.import_events(
        "alex",
        {
            "events": [
                measurement("steps", 8042, day="2026-05-17"),
                measurement("Caffeine", 0.2, unit="g", at="2026-05-17T09:00:00+02:00"),
                measurement("caffeine_mg", 80, at="2026-05-17T15:00:00+02:00"),
                measurement(
                    "exercise_minutes",
                    0.75,
                    unit="hours",
                    start="2026-05-17T18:00:00+02:00",
                    end="2026-05-17T18:45:00+02:00",
                ),
                measurement("sleep_hours", 7.5, day="2026-05-17"),
            ]
        },
        today=TODAY,
    )
    assert summary.kept == 5 and summary.rejected == 0
    day = store.timeline("alex").loc[DAY]
    assert day["steps"] == 8042
    assert day["caffeine_mg"] == pytest.approx(280)  # two drinks add up
    assert day["exercise_minutes"] == pytest.approx(45)
    assert day["sleep_hours"] == 7.5


def test_times_are_placed_on_the_persons_local_day(store: Store):
    store.import_events(
        "kenji",
        [
            # UTC evening is the next morning in Tokyo
            measurement("caffeine_mg", 100, at="2026-05-16T23:30:00Z"),
            # an explicit offset is where the person was: it stays 22:00 on the 16th
            measurement("caffeine_mg", 50, at="2026-05-16T22:00:00-04:00"),
            # no offset: Tokyo time
            checkin("2026-05-16T23:00:00", mood="calm"),
        ],
        timezone="Asia/Tokyo",
        today=TODAY,
    )
    timeline = store.timeline("kenji")
    assert timeline.loc[DAY, "caffeine_mg"] == 100
    assert timeline.loc[date(2026, 5, 16), "caffeine_mg"] == 50
    assert timeline.loc[date(2026, 5, 16), "checkins"] == 1
    assert store.checkins("kenji")["at"].iloc[0] == datetime(2026, 5, 16, 23, 0)


def test_posting_the_same_batch_twice_adds_nothing(store: Store):
    batch = [
        checkin("2026-05-17T08:30:00", mood="calm", note="Slept well.", tags=["family", "rest"]),
        measurement("steps", 5000, day="2026-05-17"),
    ]
    first = store.import_events("alex", batch, today=TODAY)
    assert store.person("alex").data_version == 1
    before = state(store)
    again = store.import_events("alex", EventBatch.model_validate({"events": batch}), today=TODAY)
    as_text = store.import_events("alex", json.dumps({"events": batch}), today=TODAY)
    assert first.kept == 7 and first.import_id is not None
    for summary in (again, as_text):
        assert summary.kept == 0 and summary.duplicates == first.kept
        assert summary.import_id is None
    assert state(store) == before
    assert store.person("alex").data_version == 1


def test_the_same_events_as_a_file_are_the_same_records(store: Store, tmp_path: Path):
    batch = {"events": [checkin("2026-05-17T08:30:00", mood="calm", note="Slept well.")]}
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(batch))
    assert choose(path).name == "events"
    posted = store.import_events("alex", batch, today=TODAY)
    from_file = store.import_file("alex", path, today=TODAY)
    assert posted.kept == 4 and from_file.kept == 0 and from_file.duplicates == 4


def test_a_malformed_events_file_fails_with_where(store: Store, tmp_path: Path):
    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"events": [checkin("2026-05-17T08:30:00", valence="high")]}))
    with pytest.raises(ImportFailed, match=r"first: events\[0\]\.checkin\.valence"):
        store.import_file("alex", path, fmt="events")


def test_unusable_events_are_rejected_with_where_and_why_and_the_rest_kept(store: Store):
    summary = store.import_events(
        "alex",
        [
            measurement("steps", 4000, day="2026-05-17"),
            measurement("mood_points", 3, day="2026-05-17"),
            measurement("steps", 3, unit="kg", day="2026-05-17"),
            measurement("valence", 0.5, day="2026-05-17"),
            measurement("steps", 900_000, day="2026-05-17"),
            measurement("steps", 10, day=str(TODAY + timedelta(days=5))),
        ],
        today=TODAY,
    )
    assert summary.kept == 1 and summary.rejected == 5
    assert summary.rejected_by_reason == {
        "unknown_metric": 1,
        "bad_unit": 1,
        "not_measured": 1,
        "out_of_range": 1,
        "future_date": 1,
    }
    where = {r.where: r.reason for r in summary.rejections}
    assert list(where) == ["events[1]", "events[2]", "events[3]", "events[4]", "events[5]"]
    assert "unknown metric 'mood_points'" in where["events[1]"]
    assert "unit 'kg' does not convert to count" in where["events[2]"]
    assert "post a check-in" in where["events[3]"]
    assert store.timeline("alex").loc[DAY, "steps"] == 4000


def test_a_batch_with_nothing_usable_fails_and_changes_nothing(store: Store):
    store.import_events("alex", [measurement("steps", 1, day="2026-05-16")], today=TODAY)
    before = state(store)
    with pytest.raises(ImportFailed, match=r"events\.json: none of its 2 records.*events\[0\]"):
        store.import_events(
            "alex",
            [
                measurement("mood_points", 3, day="2026-05-17"),
                measurement("nope", 1, day="2026-05-17"),
            ],
            today=TODAY,
        )
    assert state(store) == before


def test_a_batch_that_fails_midway_leaves_the_store_exactly_as_it_was(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    store.import_events("alex", [checkin("2026-05-10T08:00:00", mood="calm")], today=TODAY)
    before = state(store)
    records = ingest._write

    def fails_after_writing(parsed, tally, writer, *args):
        def then_fail():
            yield from parsed
            assert writer.kept, "some rows were written before the failure"
            raise RuntimeError("the database went away")

        return records(then_fail(), tally, writer, *args)

    monkeypatch.setattr(ingest, "_write", fails_after_writing)
    monkeypatch.setattr(ingest, "BATCH_SIZE", 3)  # rows reach the database before the failure
    batch = [checkin(f"2026-05-17T{h:02d}:00:00", mood="calm", note=f"hour {h}") for h in range(8)]
    for person in ("alex", "newcomer"):
        with pytest.raises(RuntimeError, match="went away"):
            store.import_events(person, batch, today=TODAY)
        assert state(store) == before
    assert store.person("alex").data_version == 1


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        ([checkin("2026-05-17T08:00:00", valence="high")], "valence\n.*valid number"),
        ([checkin("2026-05-17T08:00:00", valence=1.5)], "less than or equal to 1"),
        ([checkin("yesterday", mood="calm")], "valid datetime"),
        ([checkin("2026-05-17T08:00:00")], "a check-in needs a mood"),
        ([checkin("2026-05-17T08:00:00", note="x" * 10_001)], "at most 10000 characters"),
        ([checkin("2026-05-17T08:00:00", mood="calm", valance=0.2)], "valance\n.*Extra inputs"),
        ([measurement("steps", "many", day="2026-05-17")], "value\n.*valid number"),
        ([measurement("steps", 1)], "exactly one of"),
        ([measurement("steps", 1, day="2026-05-17", at="2026-05-17T08:00:00")], "exactly one of"),
        (
            [measurement("steps", 1, start="2026-05-17T09:00:00", end="2026-05-17T08:00:00")],
            "end must be after start",
        ),
        ([{"kind": "mood", "at": "2026-05-17T08:00:00"}], "does not match any of the expected"),
        ([], "at least 1 item"),
        ([measurement("steps", 1, day="2026-05-17")] * (MAX_EVENTS + 1), "at most 10000 items"),
    ],
)
def test_a_malformed_batch_is_a_validation_error_and_writes_nothing(
    store: Store, events: list[dict[str, Any]], problem: str
):
    with pytest.raises(ValidationError, match=problem):
        store.import_events("alex", events, today=TODAY)
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(people)).scalar_one() == 0


def test_a_note_and_a_journal_entry_become_memories(store: Store):
    store.import_events(
        "alex",
        [checkin("2026-05-17T08:30:00", mood="calm", note="Quiet breakfast with Mia.")],
        today=TODAY,
    )
    store.add_journal_entry(
        "alex", "  Walked by the river; felt lighter.  ", at=datetime(2026, 5, 17, 21)
    )
    memories = {m.text: m for m in memories_from_store(store, "alex")}
    assert set(memories) == {"Quiet breakfast with Mia.", "Walked by the river; felt lighter."}
    note, journal = (
        memories["Quiet breakfast with Mia."],
        memories["Walked by the river; felt lighter."],
    )
    assert (note.kind, note.source, note.day) == ("note", "events", DAY)
    assert (journal.kind, journal.source, journal.day) == ("journal", "events", DAY)
    calm = affect.lookup("calm")
    assert calm is not None
    assert journal.valence == pytest.approx(calm.valence)  # the mood of that day
    assert journal.quadrant == calm.quadrant


def test_a_journal_entry_is_kept_once_and_bumps_the_data_version(store: Store):
    at = datetime(2026, 5, 17, 21, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    first = store.add_journal_entry("alex", "A good day.", at=at)
    again = store.add_journal_entry("alex", "A good day.", at=at)
    other_time = store.add_journal_entry("alex", "A good day.", at=at + timedelta(hours=1))
    assert first.kept == 1 and first.file == "journal.json" and first.metrics == {"journal": 1}
    assert again.kept == 0 and again.duplicates == 1
    assert other_time.kept == 1
    assert store.person("alex").data_version == 2
    with store.engine.connect() as connection:
        journals = connection.execute(
            select(func.count()).select_from(raw_records).where(raw_records.c.metric == "journal")
        ).scalar_one()
        assert journals == 2
        # text records feed no daily value
        assert connection.execute(select(func.count()).select_from(daily_values)).scalar_one() == 0


def test_a_journal_entry_without_a_time_is_written_now_on_the_persons_day(store: Store):
    summary = store.add_journal_entry("alex", "Right now.", timezone="Pacific/Kiritimati")
    now_there = datetime.now(UTC).astimezone(ZoneInfo("Pacific/Kiritimati"))
    assert summary.kept == 1 and summary.date_range is not None
    assert summary.date_range.first in {now_there.date(), (now_there - timedelta(minutes=1)).date()}
    assert [m.text for m in memories_from_store(store, "alex")] == ["Right now."]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n\t", "empty"), ("x" * 10_001, "at most 10,000 characters")],
)
def test_a_journal_entry_needs_words_and_not_too_many(store: Store, text: str, message: str):
    with pytest.raises(InvalidQuery, match=message):
        store.add_journal_entry("alex", text)
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(people)).scalar_one() == 0
