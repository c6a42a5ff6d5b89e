"""Re-derive the daily timeline and sleep episodes for the days an import touched."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from sqlalchemy import Connection, delete, insert

from brain.metrics import MOOD_LABEL, SLEEP_SEGMENTS, rebuild_scope
from brain.store.database import driver_syntax
from brain.store.schema import daily_values, sleep_episodes
from brain.timeline.derive import RawRow, SleepEpisode, derive

WINDOW_DAYS = 62  # days derived per query: bounds memory on multi-year imports


def _windows(days: Iterable[date]) -> Iterator[list[date]]:
    window: list[date] = []
    for day in sorted(days):
        if window and (day - window[0]).days >= WINDOW_DAYS:
            yield window
            window = []
        window.append(day)
    if window:
        yield window


def rebuild_days(connection: Connection, person_id: int, days: set[date], changed: set[str]) -> int:
    """Recompute the daily values that records of `changed` metrics on `days` feed, from all
    of the person's raw records; returns how many days were rebuilt.

    A sleep segment belongs to the day it ends, but its episode may end the next morning,
    so with sleep the day after each touched day is rebuilt too.
    """
    read, replace = rebuild_scope(changed)
    sleep = bool(read & SLEEP_SEGMENTS)
    affected = days | {d + timedelta(days=1) for d in days} if sleep else set(days)
    syntax = driver_syntax(connection)
    mark = syntax.mark
    metrics = sorted(read)
    sql = (
        "SELECT source, device, metric, day, start_utc, end_utc, utc_offset_min, value "
        f"FROM raw_records WHERE person_id = {mark} AND day BETWEEN {mark} AND {mark} "
        f"AND metric IN ({', '.join([mark] * len(metrics))}) "
        f"AND (value IS NOT NULL OR metric = {mark})"
    )
    day_param, as_date = syntax.day_param, syntax.day_value
    for window in _windows(affected):
        first, last = window[0] - timedelta(days=1), window[-1] + timedelta(days=1)
        # straight through the driver: this can read every record of a multi-year import
        rows = connection.exec_driver_sql(
            sql, (person_id, day_param(first), day_param(last), *metrics, MOOD_LABEL)
        ).fetchall()
        raw = (RawRow(s, dev, m, as_date(d), a, b, o, v) for s, dev, m, d, a, b, o, v in rows)
        values, episodes = derive(raw, set(window))
        d = daily_values.c
        connection.execute(
            delete(daily_values).where(
                d.person_id == person_id, d.day.in_(window), d.metric.in_(replace)
            )
        )
        if values:
            connection.execute(
                insert(daily_values),
                [
                    {
                        "person_id": person_id,
                        "day": v.day,
                        "metric": v.metric,
                        "value": v.value,
                        "n": v.n,
                    }
                    for v in values
                ],
            )
        if sleep:
            _replace_episodes(connection, person_id, window, episodes)
    return len(affected)


def _replace_episodes(
    connection: Connection, person_id: int, nights: list[date], episodes: list[SleepEpisode]
) -> None:
    s = sleep_episodes.c
    connection.execute(delete(sleep_episodes).where(s.person_id == person_id, s.night.in_(nights)))
    if episodes:
        connection.execute(
            insert(sleep_episodes),
            [
                {
                    "person_id": person_id,
                    "night": e.night,
                    "start_utc": e.start_utc,
                    "end_utc": e.end_utc,
                    "start_offset_min": e.start_offset_min,
                    "end_offset_min": e.end_offset_min,
                    "asleep_hours": e.asleep_hours,
                    "in_bed_hours": e.in_bed_hours,
                    "is_main": e.is_main,
                }
                for e in episodes
            ],
        )
