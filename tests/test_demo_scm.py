"""The demo life-log: known effects in the model, and export files that reproduce the truth."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from brain.affect import lookup
from brain.demo import TRUE_EFFECTS, DemoTruth, generate, simulate
from brain.demo.exports import HWF_HEADER, WEARABLE_HEADER
from brain.demo.journal import INJECTIONS
from brain.demo.params import TZ

SMALL_DAYS, SMALL_SEED = 120, 3
WATCH, PHONE = "Alex’s Apple Watch", "Alex’s iPhone"
ASLEEP = {
    "HKCategoryValueSleepAnalysisAsleep",
    "HKCategoryValueSleepAnalysisAsleepCore",
    "HKCategoryValueSleepAnalysisAsleepDeep",
    "HKCategoryValueSleepAnalysisAsleepREM",
}


@pytest.fixture(scope="module")
def full_truth() -> DemoTruth:
    """The default demo: 730 days, seed 7, as the analytics evaluations will see it."""
    return simulate()


@pytest.fixture(scope="module")
def full(full_truth: DemoTruth) -> pd.DataFrame:
    return full_truth.daily


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoTruth, list[Path]]:
    outdir = tmp_path_factory.mktemp("demo")
    paths = generate(outdir, days=SMALL_DAYS, seed=SMALL_SEED)
    return simulate(days=SMALL_DAYS, seed=SMALL_SEED), paths


@pytest.fixture(scope="module")
def records(small: tuple[DemoTruth, list[Path]]) -> list[dict[str, str]]:
    """Every Record's attributes, parsed incrementally as importers must for large exports."""
    rows = []
    for _, element in etree.iterparse(str(small[1][1]), tag="Record"):
        rows.append(dict(element.attrib))
        element.clear()
    return rows


def _local_day(stamp: str) -> date:
    """The local date of an Apple Health timestamp (its wall-clock part)."""
    return date.fromisoformat(stamp[:10])


def _instant(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S %z").timestamp()


def _truth(frame: pd.DataFrame, column: str) -> dict[date, float]:
    return {day.date(): value for day, value in frame[column].items()}


# --- files -------------------------------------------------------------------------------


def test_generate_writes_exactly_four_files_deterministically(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", days=40, seed=11)
    second = generate(tmp_path / "b", days=40, seed=11)
    written = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    expected = [
        Path("apple_health_export"),
        Path("apple_health_export/export.xml"),
        Path("how_we_feel.csv"),
        Path("spotify"),
        Path("spotify/Streaming_History_Audio_2026_0.json"),
        Path("wearable_daily.csv"),
    ]
    assert written == expected
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes()
    other = generate(tmp_path / "c", days=40, seed=12)
    assert other[0].read_bytes() != first[0].read_bytes()


def test_default_file_names(small: tuple[DemoTruth, list[Path]]) -> None:
    names = [p.relative_to(small[1][0].parent).as_posix() for p in small[1]]
    assert names == [
        "how_we_feel.csv",
        "apple_health_export/export.xml",
        "spotify/Streaming_History_Audio_2026_0.json",
        "wearable_daily.csv",
    ]


def test_truth_has_one_row_per_day(small: tuple[DemoTruth, list[Path]]) -> None:
    daily = small[0].daily
    assert len(daily) == SMALL_DAYS and daily.index.is_unique
    assert daily.index[-1] == pd.Timestamp(date(2026, 10, 31))
    assert (daily.index[1:] - daily.index[:-1] == pd.Timedelta(days=1)).all()
    for column in ("valence", "arousal", "sleep_hours", "steps", "music_minutes", "is_free_day"):
        assert column in daily
    assert daily["sleep_start"].between(-12, 12, inclusive="left").all()
    assert daily["sleep_end"].between(0, 24, inclusive="left").all()


# --- How We Feel -------------------------------------------------------------------------


def test_how_we_feel_rows_match_checkins(small: tuple[DemoTruth, list[Path]]) -> None:
    truth, paths = small
    with paths[0].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == HWF_HEADER
    body = rows[1:]
    assert len(body) == len(truth.checkins)
    pattern = re.compile(
        r"^\d{4} (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [1-9]\d? ([1-9]|1[0-2]):\d{2} (AM|PM)$"
    )
    stamps = []
    steps = _truth(truth.daily, "steps")
    for row in body:
        assert pattern.match(row[0]), row[0]
        local = datetime.strptime(row[0], "%Y %a %b %d %I:%M %p")
        stamps.append(local)
        emotion = lookup(row[1])
        assert emotion is not None and row[1] == emotion.word.title()
        assert re.fullmatch(r"\d+h \d+m", row[6])
        assert 0 <= int(row[7]) <= steps[local.date()]
        assert re.fullmatch(r"[A-Za-z ]+, -?\d+°C", row[9])
    assert stamps == sorted(stamps, reverse=True)
    newest = max(truth.checkins, key=lambda c: c.at)
    assert body[0][0] == _hwf(newest.at) and body[0][1] == newest.word.title()


def _hwf(at: int) -> str:
    local = datetime.fromtimestamp(at, TZ)
    hour = local.hour % 12 or 12
    return f"{local.year} {local:%a %b} {local.day} {hour}:{local:%M} {local:%p}"


def test_how_we_feel_words_reproduce_daily_mood(small: tuple[DemoTruth, list[Path]]) -> None:
    truth, paths = small
    with paths[0].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_day: dict[date, list[float]] = defaultdict(list)
    for row in rows:
        emotion = lookup(row["Mood"])
        assert emotion is not None
        by_day[datetime.strptime(row["Date"], "%Y %a %b %d %I:%M %p").date()].append(
            emotion.valence
        )
    for day, valence in _truth(truth.daily, "valence").items():
        if np.isnan(valence):
            assert day not in by_day
        else:
            assert np.mean(by_day[day]) == pytest.approx(valence)


# --- Apple Health ------------------------------------------------------------------------


def test_export_xml_is_valid_against_its_dtd(small: tuple[DemoTruth, list[Path]]) -> None:
    path = small[1][1]
    assert path.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>')
    parser = etree.XMLParser(dtd_validation=True, huge_tree=True)
    root = etree.parse(str(path), parser).getroot()
    assert root.tag == "HealthData" and root.get("locale") == "en_US"
    assert [child.tag for child in root[:2]] == ["ExportDate", "Me"]


def test_record_attribute_order_and_dates(records: list[dict[str, str]]) -> None:
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0[12]00$")
    for record in records[:2000]:
        keys = [k for k in record if k not in ("device", "unit")]
        assert keys == [
            "type",
            "sourceName",
            "sourceVersion",
            "creationDate",
            "startDate",
            "endDate",
            "value",
        ]
        for key in ("creationDate", "startDate", "endDate"):
            assert stamp.match(record[key])
    for record in records:
        if record["type"] == "HKQuantityTypeIdentifierStepCount":
            local = datetime.strptime(record["startDate"], "%Y-%m-%d %H:%M:%S %z")
            assert local.utcoffset() == datetime.fromtimestamp(local.timestamp(), TZ).utcoffset()


def test_steps_come_from_two_overlapping_sources(
    small: tuple[DemoTruth, list[Path]], records: list[dict[str, str]]
) -> None:
    truth = small[0]
    charging = truth.params.watch_charging_hour
    watch: dict[date, int] = defaultdict(int)
    phone_charging: dict[date, int] = defaultdict(int)
    naive: dict[date, int] = defaultdict(int)
    for record in records:
        if record["type"] != "HKQuantityTypeIdentifierStepCount":
            continue
        day, value = _local_day(record["startDate"]), int(record["value"])
        naive[day] += value
        if record["sourceName"] == WATCH:
            assert record["startDate"][11:13] != f"{charging:02d}"
            watch[day] += value
        elif int(record["startDate"][11:13]) == charging:
            phone_charging[day] += value
    steps = _truth(truth.daily, "steps")
    assert {day: watch[day] + phone_charging[day] for day in steps} == steps
    assert 1.8 < sum(naive.values()) / sum(steps.values()) <= 2.0


def test_sleep_union_equals_truth(
    small: tuple[DemoTruth, list[Path]], records: list[dict[str, str]]
) -> None:
    """Watch segments are contiguous per night; a night is filed under the date it ends."""
    truth = small[0]
    segments = sorted(
        (_instant(r["startDate"]), _instant(r["endDate"]), r["value"], _local_day(r["endDate"]))
        for r in records
        if r["type"] == "HKCategoryTypeIdentifierSleepAnalysis" and r["sourceName"] == WATCH
    )
    in_bed = {
        r["value"]
        for r in records
        if r["type"] == "HKCategoryTypeIdentifierSleepAnalysis" and r["sourceName"] == PHONE
    }
    assert in_bed == {"HKCategoryValueSleepAnalysisInBed"}
    nights: list[list[tuple[float, float, str, date]]] = []
    for segment in segments:
        if nights and nights[-1][-1][1] == segment[0]:
            nights[-1].append(segment)
        else:
            nights.append([segment])
    asleep = {
        night[-1][3]: sum(end - start for start, end, value, _ in night if value in ASLEEP) / 3600
        for night in nights
    }
    assert asleep.keys() == _truth(truth.daily, "sleep_hours").keys()
    for day, hours in _truth(truth.daily, "sleep_hours").items():
        assert asleep[day] == pytest.approx(hours, abs=1e-9)
    legacy = truth.params.legacy_sleep_days
    values = [{segment[2] for segment in night} for night in nights]
    assert all("HKCategoryValueSleepAnalysisAsleep" in v for v in values[:legacy])
    assert all("HKCategoryValueSleepAnalysisAsleepCore" in v for v in values[legacy:])


def test_physiology_means_match_truth(
    small: tuple[DemoTruth, list[Path]], records: list[dict[str, str]]
) -> None:
    truth = small[0]
    columns = {
        "HKQuantityTypeIdentifierHeartRate": ("heart_rate", np.mean),
        "HKQuantityTypeIdentifierRestingHeartRate": ("resting_hr", np.mean),
        "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": ("hrv_sdnn_ms", np.mean),
        "HKQuantityTypeIdentifierAppleExerciseTime": ("exercise_minutes", np.sum),
        "HKQuantityTypeIdentifierDietaryCaffeine": ("caffeine_mg", np.sum),
        "HKQuantityTypeIdentifierNumberOfAlcoholicBeverages": ("alcohol_drinks", np.sum),
    }
    values: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    mindful: dict[date, float] = defaultdict(float)
    for record in records:
        if record["type"] in columns:
            values[record["type"]][_local_day(record["startDate"])].append(float(record["value"]))
        elif record["type"] == "HKCategoryTypeIdentifierMindfulSession":
            seconds = _instant(record["endDate"]) - _instant(record["startDate"])
            mindful[_local_day(record["startDate"])] += seconds / 60
    for kind, (column, aggregate) in columns.items():
        for day, expected in _truth(truth.daily, column).items():
            assert aggregate(values[kind].get(day, [0.0])) == pytest.approx(expected), column
    assert mindful == {d: m for d, m in _truth(truth.daily, "mindful_minutes").items() if m}


# --- Spotify and wearable ----------------------------------------------------------------


def test_spotify_history_reproduces_listening(small: tuple[DemoTruth, list[Path]]) -> None:
    truth, paths = small
    plays = json.loads(paths[2].read_text(encoding="utf-8"))
    assert list(plays[0]) == [
        "ts",
        "platform",
        "ms_played",
        "conn_country",
        "ip_addr",
        "master_metadata_track_name",
        "master_metadata_album_artist_name",
        "master_metadata_album_album_name",
        "spotify_track_uri",
        "episode_name",
        "episode_show_name",
        "spotify_episode_uri",
        "reason_start",
        "reason_end",
        "shuffle",
        "skipped",
        "offline",
        "offline_timestamp",
        "incognito_mode",
    ]
    minutes: dict[date, float] = defaultdict(float)
    late: dict[date, float] = defaultdict(float)
    skips: dict[date, list[bool]] = defaultdict(list)
    for play in plays:
        assert play["ip_addr"].startswith("192.0.2.")
        end = datetime.strptime(play["ts"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        local = end.astimezone(TZ)
        minutes[local.date()] += play["ms_played"] / 60_000
        skips[local.date()].append(play["skipped"])
        if local.hour >= 23 or local.hour < 4:
            late[local.date()] += play["ms_played"] / 60_000
    daily = truth.daily
    for day, row in daily.iterrows():
        assert minutes[day.date()] == pytest.approx(row["music_minutes"])
        assert late[day.date()] == pytest.approx(row["late_night_music_minutes"])
        if skips[day.date()]:
            assert np.mean(skips[day.date()]) == pytest.approx(row["skip_rate"])
    assert daily["late_night_music_minutes"].gt(0).sum() > SMALL_DAYS / 4


def test_wearable_csv_matches_truth(small: tuple[DemoTruth, list[Path]]) -> None:
    truth, paths = small
    with paths[3].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == WEARABLE_HEADER
    present = truth.daily.dropna(subset=["hours_at_home"])
    assert 0 < len(truth.daily) - len(present) < SMALL_DAYS * 0.06
    assert [row[0] for row in rows[1:]] == [d.date().isoformat() for d in present.index]
    for row, (_, expected) in zip(rows[1:], present.iterrows(), strict=True):
        assert float(row[1]) == expected["hours_at_home"]
        assert float(row[2]) == expected["hours_at_work"]
        assert 0 <= int(row[4]) <= 100


# --- journal -----------------------------------------------------------------------------


def test_journal_is_varied_and_carries_injections(full_truth: DemoTruth) -> None:
    truth = full_truth
    notes = [c.note for c in truth.checkins if c.note]
    assert 0.3 < len(notes) / len(truth.checkins) < 0.5
    assert any(c.reflection for c in truth.checkins)
    sentences = {s for text in notes for s in re.split(r"(?<=[.!?])\s+", text)}
    assert len(sentences) > 300
    planted = [text for text in INJECTIONS if any(text in note for note in notes)]
    assert 3 <= len(planted) <= 5


# --- the structural causal model ---------------------------------------------------------


def _ols(frame: pd.DataFrame, target: str, columns: list[str]) -> np.ndarray:
    design = np.column_stack(
        [np.ones(len(frame))] + [frame[c].to_numpy(dtype=float) for c in columns]
    )
    return np.linalg.lstsq(design, frame[target].to_numpy(dtype=float), rcond=None)[0]


def test_steps_effect_is_confounded_but_identifiable(full: pd.DataFrame) -> None:
    rated = full.dropna(subset=["valence"])
    true = TRUE_EFFECTS["steps_on_valence_per_step"]
    naive = _ols(rated, "valence", ["steps"])[1]
    adjusted = _ols(rated, "valence", ["steps", "sleep_hours", "is_free_day"])[1]
    assert naive >= 2.5 * true
    assert adjusted == pytest.approx(true, rel=0.3)


def test_alcohol_shortens_the_next_night(full: pd.DataFrame) -> None:
    frame = full.assign(drinks_before=full["alcohol_drinks"].shift(1)).dropna(
        subset=["drinks_before"]
    )
    effect = _ols(frame, "sleep_hours", ["drinks_before", "is_free_day"])[1]
    assert effect == pytest.approx(TRUE_EFFECTS["alcohol_on_next_sleep_hours"], rel=0.3)


def test_weekday_pattern(full: pd.DataFrame) -> None:
    valence = full.groupby("weekday")["valence"].mean()
    arousal = full.groupby("weekday")["arousal"].mean()
    assert valence[0] < valence[5] and valence[0] == valence.min()
    assert valence[4] > valence[[0, 1, 2, 3]].max()
    assert arousal[0] == arousal.max()
    assert full["checkins"].between(0, 3).all()
    assert 0.05 < (full["checkins"] == 0).mean() < 0.15


def test_chronotype_matches_mctq_constants(full: pd.DataFrame) -> None:
    mid_sleep = (full["sleep_start"] + full["sleep_end"]) / 2
    free = full["is_free_day"]
    assert abs(mid_sleep[free].mean() - TRUE_EFFECTS["msf"]) < 0.25
    assert abs(mid_sleep[~free].mean() - TRUE_EFFECTS["msw"]) < 0.25
    duration = full["sleep_end"] - full["sleep_start"]
    assert abs(duration[free].mean() - TRUE_EFFECTS["sd_free"]) < 0.25
    assert abs(duration[~free].mean() - TRUE_EFFECTS["sd_work"]) < 0.25
    sd_week = (5 * TRUE_EFFECTS["sd_work"] + 2 * TRUE_EFFECTS["sd_free"]) / 7
    expected = TRUE_EFFECTS["msf"] - (TRUE_EFFECTS["sd_free"] - sd_week) / 2
    assert TRUE_EFFECTS["msf_sc"] == pytest.approx(expected)
    assert TRUE_EFFECTS["social_jetlag"] == pytest.approx(2.0)
