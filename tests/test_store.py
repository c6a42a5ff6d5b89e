"""The store on SQLite and PostgreSQL: idempotent, all-or-nothing, precise about bad input."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from brain.analytics.data import with_quadrants
from brain.errors import BrainError, ImportFailed, InvalidQuery, UnknownFormat, UnknownPerson
from brain.store import Store
from brain.store.schema import daily_values, imports, people, raw_records, sleep_episodes

FIXTURES = Path(__file__).parent / "fixtures"


def snapshot(store: Store) -> dict[str, object]:
    """Everything an import could change, to prove a failed one changed nothing."""
    with store.engine.connect() as connection:
        counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar()
            for table in (people, imports, raw_records, daily_values, sleep_episodes)
        }
        days = connection.execute(
            select(daily_values.c.day, daily_values.c.metric, daily_values.c.value).order_by(
                daily_values.c.day, daily_values.c.metric
            )
        ).all()
        versions = connection.execute(select(people.c.name, people.c.data_version)).all()
    return {"counts": counts, "days": days, "versions": sorted(versions)}


def steps_export(path: Path, n: int, first_day: date = date(2025, 1, 1)) -> Path:
    """An Apple Health export with `n` hourly step records from `first_day` on."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<HealthData locale="en_US">']
    for i in range(n):
        when = first_day + timedelta(days=i // 24)
        hour = i % 24
        lines.append(
            f'<Record type="HKQuantityTypeIdentifierStepCount" sourceName="Phone" unit="count" '
            f'startDate="{when} {hour:02d}:00:00 +0000" endDate="{when} {hour:02d}:59:00 +0000" '
            f'value="{100 + i % 7}"/>'
        )
    lines.append("</HealthData>")
    path.write_text("\n".join(lines))
    return path


def test_reimporting_the_same_file_adds_nothing(store: Store):
    first = store.import_file("alex", FIXTURES / "apple_export.xml")
    before = snapshot(store)
    again = store.import_file("alex", FIXTURES / "apple_export.xml")
    assert first.kept > 0 and first.import_id is not None
    assert again.kept == 0 and again.duplicates == first.kept and again.import_id is None
    assert snapshot(store) == before
    assert store.person("alex").data_version == 1


def test_an_import_changes_only_its_own_persons_data(store: Store):
    store.import_file("alex", FIXTURES / "apple_export.xml")
    store.import_file("sam", FIXTURES / "wide.csv")
    assert "steps" not in store.timeline("sam").columns.difference(["steps"])
    assert store.timeline("alex").loc[date(2026, 5, 17), "steps"] == pytest.approx(1500)
    assert store.timeline("sam").loc[date(2026, 5, 16), "steps"] == 12000


def test_a_file_that_fails_halfway_leaves_the_store_exactly_as_it_was(store: Store, tmp_path):
    store.import_file("alex", FIXTURES / "apple_export.xml")
    before = snapshot(store)
    full = steps_export(tmp_path / "export.xml", 12_000)  # more than one insert batch
    text = full.read_text()
    truncated = tmp_path / "truncated.xml"
    truncated.write_text(text[: int(len(text) * 0.9)])
    with pytest.raises(ImportFailed, match="malformed or truncated XML"):
        store.import_file("alex", truncated)
    assert snapshot(store) == before


def test_a_truncated_zip_is_refused(store: Store, tmp_path: Path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(steps_export(tmp_path / "export.xml", 3_000), "apple_health_export/export.xml")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(ImportFailed, match="zip archive"):
        store.import_file("alex", cut, fmt="apple_health")
    with pytest.raises(ImportFailed, match="zip archive"):
        store.import_file("alex", cut)
    assert snapshot(store)["counts"]["raw_records"] == 0


def test_unknown_format(store: Store, tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("just some words\nno structure here\n")
    with pytest.raises(UnknownFormat, match=r"could not recognise the format of notes\.txt"):
        store.import_file("alex", path)
    with pytest.raises(UnknownFormat, match="unknown format 'fitbit'"):
        store.import_file("alex", FIXTURES / "wide.csv", fmt="fitbit")


def test_a_missing_file(store: Store, tmp_path: Path):
    for fmt in (None, "csv_wide"):
        with pytest.raises(ImportFailed, match="does not exist or is not a file"):
            store.import_file("alex", tmp_path / "nope.csv", fmt=fmt)


def test_the_wrong_format_asked_for(store: Store):
    with pytest.raises(ImportFailed, match="not valid JSON"):
        store.import_file("alex", FIXTURES / "wide.csv", fmt="spotify")


def test_non_utf8_csv(store: Store, tmp_path: Path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("date,steps,notes\n2026-05-17,100,caf\xe9\n".encode("latin-1"))
    with pytest.raises(ImportFailed, match=r"not UTF-8 text: byte 0xe9 on line 2 \(offset 35\)"):
        store.import_file("alex", path)
    assert snapshot(store)["counts"]["raw_records"] == 0


def test_utf16_with_bom_is_read(store: Store, tmp_path: Path):
    path = tmp_path / "excel.csv"
    path.write_text("date,steps\n2026-05-17,4321\n", encoding="utf-16")
    store.import_file("alex", path)
    assert store.timeline("alex").loc[date(2026, 5, 17), "steps"] == 4321


def test_empty_file(store: Store, tmp_path: Path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ImportFailed, match=r"empty\.csv is empty"):
        store.import_file("alex", path)


def test_header_only_file(store: Store, tmp_path: Path):
    path = tmp_path / "header.csv"
    path.write_text("date,steps\n")
    with pytest.raises(ImportFailed, match="holds no records"):
        store.import_file("alex", path)


def test_future_dates_and_absurd_values_are_rejected_one_by_one(store: Store, tmp_path: Path):
    path = tmp_path / "daily.csv"
    path.write_text(
        "date,sleep_hours,steps\n2026-05-15,30,-5\n2026-05-16,7,8000\n2099-01-01,7,8000\n"
    )
    summary = store.import_file("alex", path, today=date(2026, 5, 20))
    assert summary.kept == 2
    assert summary.rejected_by_reason == {"out_of_range": 2, "future_date": 2}
    reasons = [r.reason for r in summary.rejections]
    assert "sleep_hours = 30 is outside the plausible range 0..24" in reasons
    assert "steps = -5 is outside the plausible range 0..150000" in reasons
    assert "sleep_hours on 2099-01-01 is in the future" in reasons
    assert list(store.timeline("alex").index) == [date(2026, 5, 16)]


def test_duplicated_rows_count_as_duplicates(store: Store, tmp_path: Path):
    path = tmp_path / "dupes.csv"
    path.write_text("date,steps\n2026-05-16,8000\n2026-05-16,8000\n2026-05-17,500\n")
    summary = store.import_file("alex", path)
    assert (summary.records_read, summary.kept, summary.duplicates) == (3, 2, 1)


@pytest.mark.slow
def test_a_million_rows_of_garbage(sqlite_store: Store, tmp_path: Path):
    path = tmp_path / "garbage.csv"
    with path.open("w") as f:
        f.write("date,metric,value\n")
        f.writelines(f"zz{i}q,??,x{i}\n" for i in range(1_000_000))
    with pytest.raises(ImportFailed, match=r"none of its 1000000 records is usable"):
        sqlite_store.import_file("alex", path)
    assert snapshot(sqlite_store)["counts"]["raw_records"] == 0


def test_binary_garbage_is_an_unknown_format(sqlite_store: Store, tmp_path: Path):
    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(range(256)) * 4096)
    with pytest.raises(UnknownFormat):
        sqlite_store.import_file("alex", path)


def test_unknown_person_and_bad_ranges(store: Store):
    with pytest.raises(UnknownPerson, match="no person named 'nobody'"):
        store.timeline("nobody")
    store.import_file("alex", FIXTURES / "wide.csv")
    with pytest.raises(InvalidQuery, match="after the end date"):
        store.timeline("alex", date(2026, 5, 17), date(2026, 5, 1))


def test_new_imports_rebuild_only_what_they_touch(store: Store, tmp_path: Path):
    store.import_file("alex", FIXTURES / "apple_export.xml")
    more = tmp_path / "more.csv"
    more.write_text("date,steps\n2026-05-17,2000\n2026-05-20,3000\n")
    store.import_file("alex", more)
    table = store.timeline("alex")
    assert table.loc[date(2026, 5, 17), "steps"] == 2000  # a daily total beats 1500 sampled
    assert table.loc[date(2026, 5, 17), "sleep_hours"] == pytest.approx(7.25)
    assert table.loc[date(2026, 5, 20), "steps"] == 3000
    assert store.person("alex").data_version == 2


def test_check_ins_without_arousal_are_kept_unplaced(store: Store):
    """Daylio's moods have a pleasantness but no energy: each is a check-in, on no quadrant."""
    store.import_file("alex", FIXTURES / "daylio_new.csv")
    checkins = store.checkins("alex").set_index("label")
    assert checkins.loc[["rad", "meh", "awful"], "valence"].tolist() == [1.0, 0.0, -1.0]
    assert len(checkins) == 4 and checkins["arousal"].isna().all()  # a custom mood too
    assert with_quadrants(store.checkins("alex"))["quadrant"].isna().all()


def test_a_person_needs_a_name(store: Store):
    with pytest.raises(BrainError, match="name cannot be empty"):
        store.import_file("  ", FIXTURES / "wide.csv")


@pytest.mark.parametrize(
    "name", ["apple_export.xml", "export.zip", "daylio_new.csv", "spotify_extended.json"]
)
def test_an_import_reports_every_byte_it_reads_and_its_throughput(
    store: Store, tmp_path: Path, name: str
):
    """What `eqm import`'s progress bar counts: the whole file, zip or not, once."""
    path = FIXTURES / name
    if name == "export.zip":
        path = tmp_path / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(FIXTURES / "apple_export.xml", "apple_health_export/export.xml")
    read: list[int] = []
    summary = store.import_file("alex", path, on_read=read.append)
    size = path.stat().st_size
    # a zip's central directory is read before its member: a few hundred bytes twice at most
    assert size <= sum(read) <= size + 1024
    assert summary.megabytes == round(size / 1e6, 3)
    # the summary's seconds are rounded to the millisecond, which a small file's import is
    fastest = size / 1e6 / max(summary.seconds - 0.0005, 1e-6)
    slowest = size / 1e6 / (summary.seconds + 0.0005)
    assert slowest - 0.05 <= summary.megabytes_per_second <= fastest + 0.05
