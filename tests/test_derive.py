"""Daily derivation rules: no double counting across devices, sleep nights, means, counts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brain.affect import lexicon
from brain.metrics import MOOD_LABEL, SLEEP_ASLEEP, SLEEP_AWAKE, SLEEP_IN_BED
from brain.timeline.derive import RawRow, derive, sleep_episodes, sum_without_double_counting

DAY = date(2026, 5, 17)
CEST = 120  # minutes east of UTC


def at(hour: float, day: date = DAY) -> int:
    """Epoch seconds of a local CEST clock time on `day` (hour may exceed 24)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    return int(midnight + hour * 3600 - CEST * 60)


def row(metric, value, start=None, end=None, device="watch", day=DAY, source="apple_health"):
    return RawRow(source, device, metric, day, start, end, CEST if start else None, value)


def test_watch_and_phone_counting_the_same_walk_count_once():
    watch = [row("steps", 250, at(9 + i / 4), at(9.25 + i / 4)) for i in range(4)]
    phone = [row("steps", 1000, at(9), at(10), device="phone")]
    assert sum_without_double_counting(watch + phone) == pytest.approx(1000)


def test_phone_fills_the_hour_the_watch_was_charging():
    watch = [row("steps", 300, at(h), at(h + 1)) for h in (9, 11)]
    phone = [row("steps", 300, at(h), at(h + 1), device="phone") for h in (9, 10, 11)]
    assert sum_without_double_counting(watch + phone) == pytest.approx(900)


def test_partial_overlap_is_prorated():
    watch = [row("steps", 600, at(9), at(10))]
    phone = [row("steps", 400, at(9.5), at(10.5), device="phone")]
    # the watch has the larger total; the phone adds only its uncovered half
    assert sum_without_double_counting(watch + phone) == pytest.approx(800)


def test_day_statements_take_the_largest_and_sources_do_not_add_up():
    snapshots = [row("steps", v, source="how_we_feel", device="hwf") for v in (1200, 5400)]
    intervals = [row("steps", 5000, at(8), at(20))]
    assert sum_without_double_counting(snapshots) == 5400
    assert sum_without_double_counting(snapshots + intervals) == 5400


def test_events_add_up_within_their_stream():
    drinks = [row("alcohol_drinks", 1, at(h)) for h in (19, 20, 21)]
    assert sum_without_double_counting(drinks) == 3


def test_sleep_from_phone_and_watch_is_one_episode_on_the_night_it_ends():
    night = date(2026, 5, 18)
    segments = [
        row(SLEEP_IN_BED, 8.0, at(23), at(31), device="phone", day=night),
        row(SLEEP_ASLEEP, 3.0, at(23.25), at(26.25), day=night),
        row(SLEEP_AWAKE, 0.25, at(26.25), at(26.5), day=night),
        row(SLEEP_ASLEEP, 4.25, at(26.5), at(30.75), day=night),
    ]
    values, episodes = derive(segments, {night})
    assert len(episodes) == 1
    (episode,) = episodes
    assert episode.night == night and episode.is_main
    assert episode.asleep_hours == pytest.approx(7.25)
    assert episode.in_bed_hours == pytest.approx(8.0)
    by_metric = {v.metric: v.value for v in values}
    assert by_metric["sleep_hours"] == pytest.approx(7.25)
    assert by_metric["sleep_start"] == pytest.approx(-0.75)  # 23:15 the evening before
    assert by_metric["sleep_end"] == pytest.approx(6.75)  # 06:45


def test_a_nap_is_its_own_episode_and_not_the_main_one():
    night = date(2026, 5, 18)
    segments = [
        row(SLEEP_ASLEEP, 7.0, at(23), at(30), day=night),
        row(SLEEP_ASLEEP, 0.5, at(38), at(38.5), day=night),
    ]
    episodes = sleep_episodes(segments)
    assert [e.is_main for e in episodes] == [True, False]
    assert sum(e.asleep_hours for e in episodes) == pytest.approx(7.5)


def test_in_bed_only_nights_use_time_in_bed():
    night = date(2026, 5, 18)
    (episode,) = sleep_episodes([row(SLEEP_IN_BED, 7.5, at(23), at(30.5), device="phone")])
    assert episode.asleep_hours == pytest.approx(7.5)
    assert episode.night == night


def test_measured_sleep_wins_over_a_typed_statement():
    night = date(2026, 5, 18)
    rows = [
        row(SLEEP_ASLEEP, 7.0, at(23), at(30), day=night),
        row("sleep_hours", 9.0, source="how_we_feel", device="hwf", day=night),
        row("sleep_hours", 6.5, source="how_we_feel", device="hwf", day=DAY),
    ]
    values, _ = derive(rows, {DAY, night})
    sleep = {v.day: v.value for v in values if v.metric == "sleep_hours"}
    assert sleep == {night: pytest.approx(7.0), DAY: 6.5}


def test_means_and_checkin_counts():
    rows = [
        row("valence", 0.5, at(9)),
        row("valence", -0.1, at(15)),
        row("heart_rate", 60, at(9), at(9.01)),
        row("heart_rate", 80, at(10), at(10.01), device="phone"),
        RawRow("how_we_feel", "hwf", MOOD_LABEL, DAY, at(9), None, CEST, None),
        RawRow("how_we_feel", "hwf", MOOD_LABEL, DAY, at(15), None, CEST, None),
    ]
    values, _ = derive(rows, {DAY})
    by_metric = {v.metric: (v.value, v.n) for v in values}
    assert by_metric["valence"] == (pytest.approx(0.2), 2)
    assert by_metric["heart_rate"] == (pytest.approx(70), 2)
    assert by_metric["checkins"] == (2, 2)


def test_days_outside_the_request_are_left_alone():
    values, _ = derive([row("steps", 10, at(9), at(10), day=date(2026, 5, 1))], {DAY})
    assert values == []


@given(st.lists(st.sampled_from(sorted(lexicon())), min_size=1, max_size=12))
def test_daily_affect_is_the_mean_of_the_days_checkins(words: list[str]):
    emotions = [lexicon()[word] for word in words]
    rows = []
    for i, emotion in enumerate(emotions):
        moment = at(8 + i)
        rows += [
            RawRow("how_we_feel", "hwf", MOOD_LABEL, DAY, moment, None, CEST, None),
            RawRow("how_we_feel", "hwf", "valence", DAY, moment, None, CEST, emotion.valence),
            RawRow("how_we_feel", "hwf", "arousal", DAY, moment, None, CEST, emotion.arousal),
        ]
    values, _ = derive(rows, {DAY})
    by_metric = {v.metric: v.value for v in values}
    assert by_metric["checkins"] == len(words)
    for axis in ("valence", "arousal"):
        expected = sum(getattr(e, axis) for e in emotions) / len(emotions)
        assert by_metric[axis] == pytest.approx(expected)
        assert -1 <= by_metric[axis] <= 1
