"""One night of sleep as the watch records it: stages in ~90-minute cycles and awake bouts.

The night's onset, wake and awake time come from the drivers; this module only stages them.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from brain.demo.records import SleepEpisode, SleepSegment, SleepStage


def sleep_episode(
    rng: np.random.Generator,
    night: date,
    times: tuple[int, int, int],
    *,
    legacy: bool,
) -> SleepEpisode:
    """Stage a night: ~90-min cycles (deep early, REM late) with awake bouts spliced in.

    `times` is (onset, wake, awake seconds); asleep time is exactly wake − onset − awake.
    """
    onset, wake, awake_s = times
    asleep_s = wake - onset - awake_s
    stages: list[tuple[SleepStage, int]] = []
    remaining, cycle = asleep_s, 0
    while remaining > 0:
        length = max(3600.0, rng.normal(5400, 600))
        deep = max(0.05, 0.25 - 0.06 * cycle)
        rem = min(0.4, 0.12 + 0.07 * cycle)
        core = (1 - deep - rem) / 2
        plan: tuple[tuple[SleepStage, float], ...] = (
            ("core", core),
            ("deep", deep),
            ("core", core),
            ("rem", rem),
        )
        for stage, share in plan:
            piece = min(remaining, max(60, int(length * share)))
            stages.append((stage, piece))
            remaining -= piece
            if remaining == 0:
                break
        cycle += 1
    bouts = min(1 + int(rng.poisson(1.5)), max(1, awake_s // 60))
    cuts = np.sort(rng.choice(np.arange(1, max(2, awake_s)), size=bouts - 1, replace=False))
    durations = np.diff(np.concatenate([[0], cuts, [awake_s]])).astype(int)
    positions = np.sort(rng.choice(np.arange(1, asleep_s), size=bouts, replace=False))
    segments = _splice(
        onset, stages, list(zip(positions.tolist(), durations.tolist(), strict=True))
    )
    if legacy:
        segments = [
            SleepSegment(s.start, s.end, "asleep" if s.stage != "awake" else "awake")
            for s in segments
        ]
    return SleepEpisode(
        night=night,
        onset=onset,
        wake=wake,
        in_bed_start=onset - int(rng.integers(300, 1200)),
        in_bed_end=wake + int(rng.integers(60, 600)),
        segments=tuple(_merge(segments)),
        legacy=legacy,
    )


def _splice(
    onset: int, stages: list[tuple[SleepStage, int]], bouts: list[tuple[int, int]]
) -> list[SleepSegment]:
    """Lay stages end to end from onset, inserting each awake bout at its asleep-time offset."""
    segments: list[SleepSegment] = []
    clock, slept = onset, 0
    pending = iter(bouts)
    bout = next(pending, None)
    for stage, length in stages:
        left = length
        while left > 0:
            if bout is not None and bout[0] < slept + left:
                head = bout[0] - slept
                if head > 0:
                    segments.append(SleepSegment(clock, clock + head, stage))
                    clock, slept, left = clock + head, slept + head, left - head
                if bout[1] > 0:
                    segments.append(SleepSegment(clock, clock + bout[1], "awake"))
                clock += bout[1]
                bout = next(pending, None)
            else:
                segments.append(SleepSegment(clock, clock + left, stage))
                clock, slept, left = clock + left, slept + left, 0
    return segments


def _merge(segments: list[SleepSegment]) -> list[SleepSegment]:
    """Join touching segments of the same stage, as the watch reports one per stretch."""
    merged: list[SleepSegment] = []
    for segment in segments:
        if merged and merged[-1].stage == segment.stage and merged[-1].end == segment.start:
            merged[-1] = SleepSegment(merged[-1].start, segment.end, segment.stage)
        else:
            merged.append(segment)
    return merged
