"""`eqm demo-data` end to end: every file imports, and the timeline equals the model's truth.

The demo generator computes each measured daily column from the very events it writes, so
the importers and the no-double-counting rules must reproduce it: exactly for what devices
measure, with How We Feel's "so far today" snapshots never counted on top.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brain.demo import generate
from brain.demo.params import TZ
from brain.demo.scm import simulate
from brain.store import Store

EXACT = [
    "steps",
    "sleep_hours",
    "sleep_start",
    "sleep_end",
    "heart_rate",
    "resting_hr",
    "hrv_sdnn_ms",
    "exercise_minutes",
    "mindful_minutes",
    "music_minutes",
    "skip_rate",
    "late_night_music_minutes",
    "hours_at_home",
    "hours_at_work",
    "screen_time_min",
    "valence",
    "arousal",
    "checkins",
]
SNAPSHOTS = ["caffeine_mg", "alcohol_drinks"]  # How We Feel only sees "so far today"
# amounts that are 0 in the truth leave no record at all, so the timeline has no value
ABSENT_WHEN_ZERO = {
    "exercise_minutes",
    "mindful_minutes",
    "music_minutes",
    "late_night_music_minutes",
    "hours_at_work",
    "hours_at_home",
    "checkins",
}


def import_demo(store: Store, outdir: Path, days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    paths = generate(outdir, days=days)
    for path in paths:
        summary = store.import_file("alex", path, timezone=TZ.key)
        assert summary.rejected == 0, summary.rejections
        assert summary.unknown_labels == {}
    timeline = store.timeline("alex")
    timeline.index = pd.to_datetime(timeline.index)
    truth = simulate(days=days).daily
    return timeline, truth


def assert_matches_truth(timeline: pd.DataFrame, truth: pd.DataFrame) -> None:
    for metric in EXACT:
        expected = truth[metric]
        if metric in ABSENT_WHEN_ZERO:
            expected = expected.where(expected != 0)
        got = timeline[metric].reindex(truth.index)
        both = expected.notna() & got.notna()
        assert both.sum() > 0, metric
        np.testing.assert_allclose(got[both], expected[both], rtol=1e-6, atol=0.02, err_msg=metric)
        missing = expected.notna() & got.isna()
        assert missing.sum() <= 0.02 * expected.notna().sum(), (metric, missing.sum())


def test_demo_data_imports_into_the_true_timeline(store: Store, tmp_path: Path):
    timeline, truth = import_demo(store, tmp_path / "demo", days=45)
    assert_matches_truth(timeline, truth)


@pytest.mark.slow
def test_two_years_of_demo_data(sqlite_store: Store, tmp_path: Path):
    timeline, truth = import_demo(sqlite_store, tmp_path / "demo", days=730)
    assert len(timeline) >= 728
    assert_matches_truth(timeline, truth)
