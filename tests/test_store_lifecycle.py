"""A person's whole data: exported row for row, deleted row for row, nobody else's touched."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from brain.errors import UnknownPerson
from brain.store import Store
from brain.store.export import person_tables
from brain.store.schema import metadata, people, raw_records

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2026, 6, 1)

CHECKINS = {
    "events": [
        {"kind": "checkin", "at": "2026-05-17T08:30:00", "mood": "calm", "note": "Quiet morning."},
        {"kind": "checkin", "at": "2026-05-17T20:00:00", "mood": "anxious", "tags": ["work"]},
        {"kind": "measurement", "metric": "caffeine_mg", "value": 120, "day": "2026-05-17"},
    ]
}


def populate(store: Store) -> None:
    """alex: Apple Health (sleep episodes, steps), events and a journal entry; sam: a CSV and
    events. Every table then holds rows of both."""
    store.import_file("alex", FIXTURES / "apple_export.xml")
    store.import_events("alex", CHECKINS, today=TODAY)
    store.add_journal_entry("alex", "Long walk, felt lighter.")
    store.import_file("sam", FIXTURES / "apple_export.xml")
    store.import_file("sam", FIXTURES / "wide.csv")
    store.import_events("sam", CHECKINS, today=TODAY)


def rows_per_table(store: Store, person_id: int) -> dict[str, int]:
    """How many rows each table holds about the person, counted in the database."""
    with store.engine.connect() as connection:
        return {
            table.name: connection.execute(
                select(func.count())
                .select_from(table)
                .where((table.c.id if table is people else table.c.person_id) == person_id)
            ).scalar_one()
            for table in person_tables()
        }


def all_rows(store: Store, person_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row about the person, whole, to prove they were not changed."""
    with store.engine.connect() as connection:
        return {
            table.name: sorted(
                map(
                    tuple,
                    connection.execute(
                        select(table).where(
                            (table.c.id if table is people else table.c.person_id) == person_id
                        )
                    ).all(),
                ),
                key=repr,
            )
            for table in person_tables()
        }


def test_every_table_is_about_people():
    """delete_person and export_person cover the tables found by their person_id column; a
    table without one would be neither exported nor deleted, so adding one must be a choice
    made here."""
    assert {t.name for t in person_tables()} == set(metadata.tables)
    assert {t.name for t in person_tables()} == {
        "people",
        "imports",
        "raw_records",
        "daily_values",
        "sleep_episodes",
    }


def test_delete_person_removes_every_row_about_them_and_nothing_else(store: Store):
    populate(store)
    alex, sam = store.person("alex"), store.person("sam")
    before = rows_per_table(store, alex.id)
    sam_before = all_rows(store, sam.id)
    assert all(n > 0 for n in before.values()), before  # every table has something to delete

    deleted = store.delete_person("alex")

    assert deleted == before
    assert rows_per_table(store, alex.id) == dict.fromkeys(before, 0)
    assert all_rows(store, sam.id) == sam_before
    assert store.person("sam").data_version == sam.data_version
    with pytest.raises(UnknownPerson):
        store.person("alex")
    with pytest.raises(UnknownPerson):
        store.timeline("alex")


def test_a_deleted_person_can_start_again_from_nothing(store: Store):
    first = store.import_file("alex", FIXTURES / "apple_export.xml")
    store.delete_person("alex")
    again = store.import_file("alex", FIXTURES / "apple_export.xml")
    # nothing of the old records remained to make the new ones duplicates
    assert again.kept == first.kept and again.duplicates == 0
    assert store.timeline("alex").loc[date(2026, 5, 17), "steps"] == pytest.approx(1500)


def test_deleting_an_unknown_person_fails_and_changes_nothing(store: Store):
    populate(store)
    sam = store.person("sam")
    before = all_rows(store, sam.id)
    with pytest.raises(UnknownPerson, match="nobody"):
        store.delete_person("nobody")
    assert all_rows(store, sam.id) == before
    assert store.person("alex").data_version > 0


def test_export_holds_every_row_about_the_person_and_only_theirs(store: Store):
    populate(store)
    alex = store.person("alex")
    exported = store.export_person("alex")

    assert {name: len(rows) for name, rows in exported.items()} == rows_per_table(store, alex.id)
    assert exported["people"] == [
        {
            "id": alex.id,
            "name": "alex",
            "timezone": "UTC",
            "created_at": exported["people"][0]["created_at"],
            "data_version": alex.data_version,
        }
    ]
    for name, rows in exported.items():
        key = "id" if name == "people" else "person_id"
        assert {row[key] for row in rows} == {alex.id}, name
    # the columns are the tables' own, and the whole export is plain JSON
    for table in person_tables():
        assert all(set(row) == set(table.c.keys()) for row in exported[table.name])
    assert json.loads(json.dumps(exported)) == exported
    # bytes as hex, dates ISO: the same values the database holds
    with store.engine.connect() as connection:
        stored = connection.execute(
            select(raw_records.c.id, raw_records.c.record_key, raw_records.c.day).where(
                raw_records.c.person_id == alex.id
            )
        ).all()
    by_id = {row["id"]: row for row in exported["raw_records"]}
    assert {
        (id_, key.hex(), day.isoformat() if isinstance(day, date) else day)
        for id_, key, day in stored
    } == {(i, by_id[i]["record_key"], by_id[i]["day"]) for i in by_id}
    texts = {row["text"] for row in exported["raw_records"]}
    assert {"Quiet morning.", "Long walk, felt lighter.", "calm", "anxious"} <= texts
    assert all(isinstance(row["summary"], dict) for row in exported["imports"])


def test_the_streamed_export_is_the_same_rows(store: Store):
    populate(store)
    streamed: dict[str, list[dict[str, Any]]] = {}
    for table, row in store.iter_export("sam"):
        streamed.setdefault(table, []).append(row)
    whole = store.export_person("sam")
    assert streamed == {name: rows for name, rows in whole.items() if rows}
    assert sum(map(len, streamed.values())) == sum(
        rows_per_table(store, store.person("sam").id).values()
    )


def test_exporting_an_unknown_person(store: Store):
    with pytest.raises(UnknownPerson):
        store.export_person("nobody")
    with pytest.raises(UnknownPerson):  # at once, not at the first row
        store.iter_export("nobody")


def test_an_export_reads_one_state_while_an_import_commits(store: Store):
    store.import_events("alex", CHECKINS, today=TODAY)
    stream = store.iter_export("alex")
    table, person = next(stream)  # the export has begun reading
    assert table == "people" and person["data_version"] == 1
    store.import_events(
        "alex", [{"kind": "measurement", "metric": "steps", "value": 10, "day": "2026-05-18"}]
    )
    rest = list(stream)
    # the rows of the version the export began with: not the new import's
    assert sum(1 for table, _ in rest if table == "imports") == 1
    assert all(row["day"] == "2026-05-17" for table, row in rest if table == "raw_records")
    assert store.export_person("alex")["people"][0]["data_version"] == 2
