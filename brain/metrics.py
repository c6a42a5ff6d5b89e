"""Canonical metric names, how each one is aggregated into a day, and what values are sane.

Later layers (analytics, tools, the model's tool schemas) rely on these names, so importers
map whatever the source calls a column onto them with `canonical_name`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum


class Aggregation(StrEnum):
    """How raw records of one metric become one daily value (see brain.timeline.derive)."""

    SUM = "sum"  # amounts (steps, minutes, drinks): never double-counted across sources
    MEAN = "mean"  # levels (heart rate, valence): mean of every sample that day
    SLEEP = "sleep"  # derived from sleep episodes, the night belongs to the day it ends
    COUNT = "count"  # number of records (check-ins)
    RATIO = "ratio"  # one daily SUM metric over another (see RATIOS): never stored raw


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    unit: str
    aggregation: Aggregation
    minimum: float
    maximum: float
    description: str
    aliases: tuple[str, ...] = ()


_SPECS = (
    MetricSpec("valence", "score", Aggregation.MEAN, -1, 1, "pleasantness of mood, -1..1"),
    MetricSpec("arousal", "score", Aggregation.MEAN, -1, 1, "energy of mood, -1..1"),
    MetricSpec("checkins", "count", Aggregation.COUNT, 0, 200, "mood check-ins that day"),
    MetricSpec(
        "sleep_hours",
        "h",
        Aggregation.SLEEP,
        0,
        24,
        "time asleep in the night ending that day",
        ("sleep", "sleep_duration", "hours_slept", "time_asleep", "asleep_hours"),
    ),
    MetricSpec(
        "sleep_start",
        "h_from_midnight",
        Aggregation.SLEEP,
        -12,
        12,
        "sleep onset, hours from local midnight (23:30 is -0.5)",
        ("bedtime", "sleep_onset"),
    ),
    MetricSpec(
        "sleep_end",
        "h_from_midnight",
        Aggregation.SLEEP,
        0,
        24,
        "wake-up, hours from local midnight",
        ("wake_time", "wake_up", "sleep_offset"),
    ),
    MetricSpec(
        "time_in_bed_hours",
        "h",
        Aggregation.SLEEP,
        0,
        24,
        "time in bed in the night ending that day",
        ("in_bed_hours", "time_in_bed"),
    ),
    MetricSpec(
        "steps",
        "count",
        Aggregation.SUM,
        0,
        150_000,
        "steps walked",
        ("step_count", "steps_count", "daily_steps"),
    ),
    MetricSpec(
        "exercise_minutes",
        "min",
        Aggregation.SUM,
        0,
        1440,
        "minutes of exercise",
        ("exercise", "exercise_min", "active_minutes", "workout_minutes", "exercise_time"),
    ),
    MetricSpec(
        "caffeine_mg",
        "mg",
        Aggregation.SUM,
        0,
        3000,
        "caffeine taken",
        ("caffeine", "caffeine_milligrams"),
    ),
    MetricSpec(
        "alcohol_drinks",
        "drinks",
        Aggregation.SUM,
        0,
        60,
        "alcoholic drinks",
        ("alcohol", "alcoholic_drinks", "drinks", "number_of_alcoholic_beverages"),
    ),
    MetricSpec(
        "mindful_minutes",
        "min",
        Aggregation.SUM,
        0,
        1440,
        "minutes of meditation",
        ("meditation", "meditation_minutes", "mindfulness", "mindful_session_minutes"),
    ),
    MetricSpec(
        "heart_rate",
        "bpm",
        Aggregation.MEAN,
        20,
        250,
        "mean heart rate",
        ("hr", "heart_rate_bpm", "avg_heart_rate", "average_heart_rate"),
    ),
    MetricSpec(
        "resting_hr",
        "bpm",
        Aggregation.MEAN,
        20,
        200,
        "resting heart rate",
        ("resting_heart_rate", "rhr", "resting_hr_bpm"),
    ),
    MetricSpec(
        "hrv_sdnn_ms",
        "ms",
        Aggregation.MEAN,
        1,
        500,
        "heart-rate variability (SDNN)",
        ("hrv", "hrv_sdnn", "hrv_ms", "heart_rate_variability"),
    ),
    MetricSpec(
        "music_minutes",
        "min",
        Aggregation.SUM,
        0,
        1440,
        "minutes of music listened",
        ("listening_minutes", "music_min"),
    ),
    MetricSpec("skip_rate", "share", Aggregation.MEAN, 0, 1, "share of tracks skipped"),
    MetricSpec(
        "late_night_music_minutes",
        "min",
        Aggregation.SUM,
        0,
        1440,
        "minutes of music between 23:00 and 04:00 local time",
    ),
    MetricSpec(
        "hours_at_home",
        "h",
        Aggregation.SUM,
        0,
        24,
        "hours at home",
        ("home_hours", "at_home"),
    ),
    MetricSpec(
        "hours_at_work",
        "h",
        Aggregation.SUM,
        0,
        24,
        "hours at work",
        ("work_hours", "at_work"),
    ),
    MetricSpec("travel_km", "km", Aggregation.SUM, 0, 40_000, "distance travelled"),
    MetricSpec("travel_day", "flag", Aggregation.MEAN, 0, 1, "1 on days with a long trip"),
    MetricSpec(
        "browsing_minutes",
        "min",
        Aggregation.SUM,
        0,
        1440,
        "minutes browsing the web (visits grouped into sessions)",
        ("browsing", "browsing_time", "web_minutes"),
    ),
    MetricSpec(
        "distracted_browsing_minutes",
        "min",
        Aggregation.SUM,
        0,
        1440,
        "browsing minutes on social, news, video and shopping sites",
    ),
    MetricSpec(
        "late_night_browsing_minutes",
        "min",
        Aggregation.SUM,
        0,
        1440,
        "browsing minutes between 23:00 and 04:00 local time",
    ),
    MetricSpec(
        "distraction_ratio",
        "share",
        Aggregation.RATIO,
        0,
        1,
        "share of the day's browsing minutes on social, news, video and shopping sites",
    ),
    MetricSpec(
        "spend",
        "currency",
        Aggregation.SUM,
        0,
        10_000_000,
        "money spent (card and account payments out), in the account's currency",
        ("spending", "money_spent", "daily_spend"),
    ),
    MetricSpec(
        "transactions", "count", Aggregation.SUM, 0, 10_000, "payments made", ("purchases",)
    ),
    MetricSpec(
        "impulse_purchases",
        "count",
        Aggregation.SUM,
        0,
        10_000,
        "small discretionary purchases late in the day (brain/importers/bank.py)",
    ),
    MetricSpec(
        "pm25",
        "ug/m3",
        Aggregation.MEAN,
        0,
        2000,
        "fine particulate matter (PM2.5) in the air where the person lives",
        ("pm2_5", "pm_2_5", "pm_25"),
    ),
    MetricSpec(
        "pm10",
        "ug/m3",
        Aggregation.MEAN,
        0,
        5000,
        "coarse particulate matter (PM10) in the air where the person lives",
        ("pm_10",),
    ),
)

CANONICAL: dict[str, MetricSpec] = {spec.name: spec for spec in _SPECS}
_ALIASES: dict[str, str] = {alias: spec.name for spec in _SPECS for alias in spec.aliases}

# Raw-only metrics: they are stored as records but feed other daily metrics.
SLEEP_ASLEEP = "sleep_asleep"  # an asleep segment (text = stage), value = hours
SLEEP_IN_BED = "sleep_in_bed"  # an in-bed segment, value = hours
SLEEP_AWAKE = "sleep_awake"  # an awake segment inside a night, value = hours
SLEEP_SEGMENTS = frozenset({SLEEP_ASLEEP, SLEEP_IN_BED, SLEEP_AWAKE})
MOOD_LABEL = "mood_label"  # one check-in: text = the word the person chose

SLEEP_DAILY = frozenset(s.name for s in _SPECS if s.aggregation is Aggregation.SLEEP)

RATIOS: dict[str, tuple[str, str]] = {
    "distraction_ratio": ("distracted_browsing_minutes", "browsing_minutes"),
}
"""Daily metrics that are one daily amount over another (numerator, denominator): a share of
minutes cannot be summed or averaged from its parts' records, so it is derived per day."""

SPEND_BY_CATEGORY = "spend_"
"""Prefix of the per-category spending metrics (`spend_groceries`): amounts, so summed."""


def rebuild_scope(changed: set[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(raw metrics to read, daily metrics to replace) after records of `changed` arrived.

    A daily metric depends only on its own records, except that the sleep metrics come from
    sleep segments and sleep statements together, check-ins count mood labels, and a ratio
    (RATIOS) is rebuilt with its two parts.
    """
    read: set[str] = set()
    replace: set[str] = set()
    for metric in changed:
        if metric in SLEEP_SEGMENTS or metric in SLEEP_DAILY:
            read |= SLEEP_SEGMENTS | SLEEP_DAILY
            replace |= SLEEP_DAILY
        elif metric == MOOD_LABEL:
            read.add(MOOD_LABEL)
            replace.add("checkins")
        elif ratios := [r for r, parts in RATIOS.items() if metric in parts]:
            for ratio in ratios:
                read.update(RATIOS[ratio])
                replace.update((*RATIOS[ratio], ratio))
        else:
            read.add(metric)
            replace.add(metric)
    return frozenset(read), frozenset(replace)


_NON_WORD = re.compile(r"[^0-9a-z]+")


def snake_case(label: str) -> str:
    """`'Screen Time (min)'` -> `'screen_time_min'`; any case, spacing or punctuation."""
    return _NON_WORD.sub("_", label.strip().lower()).strip("_")


def canonical_name(label: str) -> str:
    """Map a source's column or metric label onto EQM's canonical metric name if one fits."""
    name = snake_case(label)
    return _ALIASES.get(name, name)


def aggregation_of(metric: str) -> Aggregation:
    """Unknown numeric metrics are averaged: a mean never double-counts."""
    spec = CANONICAL.get(metric)
    if spec is None and metric.startswith(SPEND_BY_CATEGORY):
        return Aggregation.SUM
    return spec.aggregation if spec else Aggregation.MEAN


_BOUNDS: dict[str, tuple[float, float]] = {
    **{spec.name: (spec.minimum, spec.maximum) for spec in _SPECS},
    **dict.fromkeys(SLEEP_SEGMENTS, (0.0, 24.0)),  # one segment cannot last over a day
}
_UNBOUNDED = (-math.inf, math.inf)


def out_of_range(metric: str, value: float) -> str | None:
    """Why `value` is absurd for `metric`, or None when it is plausible (unknown metrics only
    need to be finite)."""
    low, high = _BOUNDS.get(metric, _UNBOUNDED)
    if low <= value <= high and math.isfinite(value):
        return None
    if not math.isfinite(value):
        return f"{metric} = {value} is not a finite number"
    return f"{metric} = {value:g} is outside the plausible range {low:g}..{high:g}"
