"""Each importer on a small file in its real format, through the store to the timeline."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from brain.importers import choose
from brain.importers.daylio import parse_mood_scale
from brain.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
BERLIN = "Europe/Berlin"
MAY = {d: date(2026, 5, d) for d in (15, 16, 17, 18)}

HOW_WE_FEEL = """\
Date,Mood,Tags (People),Tags (Places),Tags (Events),Exercise,Sleep,Steps,Meditation,Weather,\
Caffeine (mg),Alcoholic Drinks,Notes,Reflections
2026 Sun May 17 3:39 PM,Calm,Family;Friends,Home,,30,7h 32m,5400,10,"Sunny, 21°C",120,,\
Nice walk by the river,
2026 Sun May 17 9:10 AM,Anxious,,Work,,,7h 32m,1200,,,80,,,
2026 Mon May 18 8:00 PM,Frobnicated,,,,,6h 5m,9000,,,,2,,Long day
2026 Mon May 18 8:05 PM,Happy,,,,,abc,-5,,,,,,
"""


def day(store: Store, person: str, when: date) -> dict[str, float]:
    table = store.timeline(person, when, when)
    return table.iloc[0].dropna().to_dict() if len(table) else {}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("apple_export.xml", "apple_health"),
        ("daylio_new.csv", "daylio"),
        ("daylio_old.csv", "daylio"),
        ("spotify_extended.json", "spotify"),
        ("spotify_basic.json", "spotify"),
        ("google_timeline.json", "google_maps"),
        ("bank_monzo.csv", "bank"),
        ("openaq.csv", "air_quality"),
        ("wide.csv", "csv_wide"),
        ("long.csv", "csv_long"),
    ],
)
def test_formats_are_detected_from_content(name: str, expected: str, tmp_path: Path):
    renamed = tmp_path / "upload.dat"  # the name must not matter
    shutil.copy(FIXTURES / name, renamed)
    assert choose(renamed).name == expected


def test_how_we_feel(sqlite_store: Store, tmp_path: Path):
    path = tmp_path / "hwf.csv"
    path.write_text(HOW_WE_FEEL)
    summary = sqlite_store.import_file("alex", path, timezone=BERLIN)
    assert summary.format == "how_we_feel"
    assert summary.unknown_labels == {"Frobnicated": 1}
    assert summary.rejected_by_reason == {"not_a_number": 1, "out_of_range": 1}
    assert [r.where for r in summary.rejections] == ["line 5", "line 5"]
    assert summary.duplicates == 1  # "Sleep 7h 32m" said twice on the same day
    may17 = day(sqlite_store, "alex", MAY[17])
    assert may17["checkins"] == 2
    assert may17["sleep_hours"] == pytest.approx(7 + 32 / 60)
    assert may17["steps"] == 5400  # "steps so far" snapshots: the largest counts
    assert may17["caffeine_mg"] == 120
    assert may17["exercise_minutes"] == 30
    assert may17["mindful_minutes"] == 10
    assert may17["valence"] == pytest.approx((0.52 + -0.6) / 2, abs=0.3)
    may18 = day(sqlite_store, "alex", MAY[18])
    assert may18["checkins"] == 2  # the unknown word is still a check-in
    assert may18["alcohol_drinks"] == 2
    assert summary.metrics["note"] == 1 and summary.metrics["reflection"] == 1


def test_apple_health_export_xml(sqlite_store: Store):
    summary = sqlite_store.import_file("alex", FIXTURES / "apple_export.xml")
    assert summary.rejected == 0
    may17 = day(sqlite_store, "alex", MAY[17])
    assert may17["steps"] == pytest.approx(1500)  # watch and phone saw the same 09:00 walk
    assert may17["heart_rate"] == pytest.approx(71)
    assert may17["hrv_sdnn_ms"] == pytest.approx(45.5)
    assert may17["resting_hr"] == 55
    assert may17["sleep_hours"] == pytest.approx(7.25)  # core + deep + REM + legacy asleep
    assert may17["time_in_bed_hours"] == pytest.approx(8.0)
    assert may17["sleep_start"] == pytest.approx(-0.75)
    assert may17["sleep_end"] == pytest.approx(6.75)
    assert may17["mindful_minutes"] == pytest.approx(10)
    assert may17["valence"] == pytest.approx(0.6)
    assert may17["checkins"] == 1
    assert "body_mass" not in may17
    episodes = sqlite_store.sleep_episodes("alex")
    assert len(episodes) == 1 and bool(episodes.iloc[0]["is_main"])


def test_apple_health_zip_is_the_same_as_the_xml(sqlite_store: Store, tmp_path: Path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(FIXTURES / "apple_export.xml", "apple_health_export/export.xml")
        z.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
    assert choose(archive).name == "apple_health"
    from_zip = sqlite_store.import_file("zip", archive)
    from_xml = sqlite_store.import_file("xml", FIXTURES / "apple_export.xml")
    assert from_zip.kept == from_xml.kept
    assert day(sqlite_store, "zip", MAY[17]) == day(sqlite_store, "xml", MAY[17])


def test_daylio_new_header_with_a_custom_mood_scale(sqlite_store: Store):
    scale = parse_mood_scale("stressed out=-0.6:0.7")
    summary = sqlite_store.import_file(
        "alex", FIXTURES / "daylio_new.csv", timezone=BERLIN, mood_scale=scale
    )
    assert summary.unknown_labels == {}
    assert day(sqlite_store, "alex", MAY[17])["valence"] == pytest.approx(0.5)  # rad, meh
    may16 = day(sqlite_store, "alex", MAY[16])
    assert (may16["valence"], may16["arousal"]) == (pytest.approx(-0.6), pytest.approx(0.7))
    assert day(sqlite_store, "alex", MAY[15])["valence"] == -1.0
    assert summary.metrics["tag_activity"] == 4
    assert summary.metrics["note"] == 2


def test_daylio_reports_mood_names_it_cannot_place(sqlite_store: Store):
    summary = sqlite_store.import_file("alex", FIXTURES / "daylio_new.csv")
    assert summary.unknown_labels == {"Stressed Out": 1}
    assert day(sqlite_store, "alex", MAY[16])["checkins"] == 1


def test_daylio_old_header(sqlite_store: Store):
    sqlite_store.import_file("alex", FIXTURES / "daylio_old.csv")
    may17 = day(sqlite_store, "alex", date(2018, 5, 17))
    assert may17["checkins"] == 2
    assert may17["valence"] == pytest.approx(0.0)  # good and bad


def test_mood_scale_errors_are_precise():
    with pytest.raises(ValueError, match="bad mood scale entry 'rad=2'"):
        parse_mood_scale("rad=2")


def test_spotify_extended_in_local_time(sqlite_store: Store):
    sqlite_store.import_file("alex", FIXTURES / "spotify_extended.json", timezone=BERLIN)
    may16 = day(sqlite_store, "alex", MAY[16])
    may17 = day(sqlite_store, "alex", MAY[17])
    assert may16["music_minutes"] == pytest.approx(3.0)
    assert may16["late_night_music_minutes"] == pytest.approx(3.0)  # 23:50 in Berlin
    assert may16["skip_rate"] == 0
    assert may17["music_minutes"] == pytest.approx(4 + 1 / 3)
    assert may17["skip_rate"] == pytest.approx(0.5)
    assert may17["late_night_music_minutes"] == pytest.approx(1 / 3)  # 00:10


def test_spotify_basic_and_extended_histories_do_not_double_count(sqlite_store: Store):
    sqlite_store.import_file("alex", FIXTURES / "spotify_extended.json", timezone=BERLIN)
    sqlite_store.import_file("alex", FIXTURES / "spotify_basic.json", timezone=BERLIN)
    assert day(sqlite_store, "alex", MAY[16])["music_minutes"] == pytest.approx(3.0)
    assert day(sqlite_store, "alex", MAY[17])["music_minutes"] == pytest.approx(1 / 3 + 4 + 5 / 60)


def test_google_maps_timeline(sqlite_store: Store):
    sqlite_store.import_file("alex", FIXTURES / "google_timeline.json")
    may16 = day(sqlite_store, "alex", MAY[16])
    may17 = day(sqlite_store, "alex", MAY[17])
    assert may16["hours_at_home"] == pytest.approx(5.0)  # split at midnight
    assert may17["hours_at_home"] == pytest.approx(8.0)
    assert may17["hours_at_work"] == pytest.approx(8.5)
    assert may17["travel_km"] == pytest.approx(485.2)
    assert may17["travel_day"] == 1
    assert "travel_day" not in may16


def test_wide_csv_maps_columns_onto_canonical_names(sqlite_store: Store):
    summary = sqlite_store.import_file("alex", FIXTURES / "wide.csv")
    assert summary.rejected_by_reason == {"not_a_number": 1}
    assert "line 4" in summary.rejections[0].where
    assert day(sqlite_store, "alex", MAY[16]) == {
        "sleep_hours": 6.75,
        "steps": 12000,
        "resting_hr": 60,
        "screen_time_min": 240,
    }
    assert summary.metrics["mood_note"] == 2  # an unknown text column is kept as text


def test_long_csv_adds_up_events(sqlite_store: Store):
    summary = sqlite_store.import_file("alex", FIXTURES / "long.csv")
    assert summary.rejected == 1 and "steps" in summary.rejections[0].reason
    may17 = day(sqlite_store, "alex", MAY[17])
    assert may17 == {"caffeine_mg": 140, "alcohol_drinks": 1}
    assert summary.metrics["journal"] == 1
