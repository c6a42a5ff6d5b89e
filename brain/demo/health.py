"""A day's Apple Health samples besides sleep, laid out on the clock.

Steps in quarter hours, exercise and mindful minutes, caffeine and drink intakes, heart rate
and HRV readings: each turns one day's driver values into the timed spans the exports write.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from brain.demo.clock import Window
from brain.demo.params import DemoParams
from brain.demo.records import HrvReading, Span


def step_slots(
    rng: np.random.Generator, w: Window, steps: int, free: bool, work: bool
) -> list[Span]:
    """Split the day's steps over waking quarter hours (commutes, lunch, weekend outings)."""
    quarters = np.arange(math.ceil(w.start / 900), w.end // 900)
    hour = quarters / 4 + 0.125
    if work:
        profile = np.select(
            [
                (hour >= 7.25) & (hour < 8.75),
                (hour >= 12) & (hour < 13.5),
                (hour >= 17) & (hour < 18.5),
                (hour >= 8.75) & (hour < 17),
            ],
            [4.0, 3.0, 4.0, 0.5],
            1.2,
        )
    else:
        profile = np.select(
            [(hour >= 10) & (hour < 13), (hour >= 14) & (hour < 18)], [2.5, 3.0], 1.0
        )
    weights = profile * rng.gamma(0.8, 1.0, len(quarters))
    counts = rng.multinomial(steps, weights / weights.sum())
    return [
        Span(w.at(q * 900), w.at(q * 900) + 900, int(c))
        for q, c in zip(quarters.tolist(), counts.tolist(), strict=True)
        if c > 0
    ]


def exercise_spans(rng: np.random.Generator, w: Window, minutes: int, free: bool) -> list[Span]:
    """One-minute exercise spans: after work (done before the watch charges) or late morning."""
    if not minutes:
        return []
    if free:
        start = max(37_800 + 60 * int(rng.integers(0, 61)), 60 * math.ceil(w.start / 60) + 1800)
    else:
        start = 63_900 + 60 * int(rng.integers(0, 31))
    return [Span(w.at(start + 60 * k), w.at(start + 60 * k + 60), 1) for k in range(minutes)]


def mindful_spans(rng: np.random.Generator, w: Window, minutes: int) -> list[Span]:
    """A single meditation session, after waking up or late in the evening."""
    if not minutes:
        return []
    start = 75_600 + 60 * int(rng.integers(5, 61))
    if rng.random() < 0.5 or start + 60 * minutes > w.end - 300:
        start = 60 * math.ceil(w.start / 60) + 60 * int(rng.integers(15, 61))
    return [Span(w.at(start), w.at(start + 60 * minutes), minutes)]


def intakes(
    rng: np.random.Generator, w: Window, amounts: np.ndarray, *, evening: bool
) -> list[Span]:
    """Instants of coffees (from waking until ~19:00) or drinks (evening, before bed)."""
    if not len(amounts):
        return []
    if evening:
        low, high = 19 * 60, min(23 * 60 + 30, w.end // 60 - 15)
        if high <= low:
            low = high - 180
    else:
        low = math.ceil(w.start / 60) + 10
        high = min(low + 660, 19 * 60)
    minutes = np.sort(rng.integers(low, high + 1, len(amounts)))
    return [
        Span(w.at(60 * m), w.at(60 * m), int(a))
        for m, a in zip(minutes.tolist(), amounts.tolist(), strict=True)
    ]


def heart_rate_readings(
    rng: np.random.Generator,
    w: Window,
    slots: list[Span],
    workout: list[Span],
    resting: int,
    p: DemoParams,
) -> list[Span]:
    """About one reading per waking hour while the watch is worn, higher when moving."""
    steps_in_hour: dict[int, int] = defaultdict(int)
    for slot in slots:
        steps_in_hour[(slot.start - w.zero) // 3600] += int(slot.value)
    readings = []
    for hour in range(math.ceil(w.start / 3600), w.end // 3600):
        if hour == p.watch_charging_hour:
            continue
        at = w.at(hour * 3600 + int(rng.integers(0, 3600)))
        moving = any(m.start <= at < m.end for m in workout)
        bpm = resting + 14 + 0.006 * steps_in_hour[hour] + 35 * moving + rng.normal(0, 4)
        readings.append(Span(at, at, round(bpm)))
    return readings


def hrv_readings(
    rng: np.random.Generator, w: Window, level: float, resting: int, p: DemoParams
) -> list[HrvReading]:
    """One to three one-minute SDNN readings at random worn times of the day."""
    readings = []
    for _ in range(int(rng.integers(1, 4))):
        clock = int(rng.integers(w.start + 600, w.end - 600))
        while clock // 3600 == p.watch_charging_hour:
            clock = int(rng.integers(w.start + 600, w.end - 600))
        offsets = np.sort(rng.integers(0, 60_000, int(rng.integers(5, 9))))
        beats = tuple((int(ms), round(resting + 6 + rng.normal(0, 3))) for ms in offsets.tolist())
        value = round(max(8.0, level + rng.normal(0, 4)), 3)
        readings.append(HrvReading(w.at(clock), w.at(clock) + 60, value, beats))
    return readings
