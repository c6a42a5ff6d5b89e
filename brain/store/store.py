"""The per-person timeline store: people, imports, the daily timeline and sleep episodes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from brain.config import Settings
from brain.errors import BrainError, InvalidQuery, UnknownPerson
from brain.importers import choose
from brain.importers.base import ImportContext, MoodPoint
from brain.metrics import MOOD_LABEL
from brain.store.database import connect, migrate
from brain.store.ingest import run_import
from brain.store.models import ImportSummary, Person
from brain.store.schema import daily_values, people, raw_records, sleep_episodes


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BrainError(
            f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"
        ) from None


class Store:
    """One database of people and their data. Open it with `Store.open()`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """The store at `url`, or where the EQM_* settings say; migrated to the newest schema."""
        engine = connect(url or Settings().resolved_database_url())
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # people ---------------------------------------------------------------------------------

    def person(self, name: str) -> Person:
        with self.engine.connect() as connection:
            return self._person(connection, name)

    @staticmethod
    def _person(connection: Connection, name: str) -> Person:
        row = connection.execute(select(people).where(people.c.name == name)).mappings().first()
        if row is None:
            raise UnknownPerson(f"no person named {name!r}")
        return Person(**row)

    def _ensure_person(self, connection: Connection, name: str, timezone: str | None) -> Person:
        """The person named, created (in `timezone`, UTC by default) on first use."""
        if not name.strip():
            raise BrainError("a person's name cannot be empty")
        try:
            return self._person(connection, name)
        except UnknownPerson:
            zone(timezone or "UTC")
            connection.execute(
                insert(people).values(
                    name=name, timezone=timezone or "UTC", created_at=datetime.now(UTC)
                )
            )
            return self._person(connection, name)

    # imports --------------------------------------------------------------------------------

    def import_file(
        self,
        person: str,
        path: Path,
        *,
        fmt: str | None = None,
        timezone: str | None = None,
        mood_scale: Mapping[str, MoodPoint] | None = None,
        today: date | None = None,
    ) -> ImportSummary:
        """Import one export for `person` (created if new), all or nothing.

        `timezone` is used for timestamps without an offset and for the local dates of UTC
        timestamps; it defaults to the person's own time zone.
        """
        importer = choose(path, fmt)
        with self.engine.begin() as connection:
            owner = self._ensure_person(connection, person, timezone)
            ctx = ImportContext(
                tz=zone(timezone or owner.timezone),
                today=today or date.today(),
                mood_scale=dict(mood_scale or {}),
            )
            return run_import(connection, owner, importer, path, ctx)

    # reading --------------------------------------------------------------------------------

    def timeline(
        self,
        person: str,
        start: date | None = None,
        end: date | None = None,
        metrics: list[str] | None = None,
    ) -> pd.DataFrame:
        """The daily table: one row per day with data, one column per metric (NaN = none)."""
        if start and end and start > end:
            raise InvalidQuery(f"the start date {start} is after the end date {end}")
        d = daily_values.c
        with self.engine.connect() as connection:
            owner = self._person(connection, person)
            query = select(d.day, d.metric, d.value).where(d.person_id == owner.id)
            if start:
                query = query.where(d.day >= start)
            if end:
                query = query.where(d.day <= end)
            if metrics:
                query = query.where(d.metric.in_(metrics))
            rows = connection.execute(query.order_by(d.day, d.metric)).all()
        frame = pd.DataFrame(rows, columns=["day", "metric", "value"])
        table = frame.pivot(index="day", columns="metric", values="value")
        table.columns.name = None
        return table.reindex(columns=sorted(table.columns))

    def sleep_episodes(
        self, person: str, start: date | None = None, end: date | None = None
    ) -> pd.DataFrame:
        """Every sleep episode (naps too) with its night, onset, wake-up and durations."""
        s = sleep_episodes.c
        with self.engine.connect() as connection:
            owner = self._person(connection, person)
            query = select(
                s.night,
                s.start_utc,
                s.end_utc,
                s.start_offset_min,
                s.end_offset_min,
                s.asleep_hours,
                s.in_bed_hours,
                s.is_main,
            ).where(s.person_id == owner.id)
            if start:
                query = query.where(s.night >= start)
            if end:
                query = query.where(s.night <= end)
            rows = connection.execute(query.order_by(s.start_utc)).mappings().all()
        return pd.DataFrame(
            [dict(row) for row in rows], columns=list(query.selected_columns.keys())
        )

    def checkins(self, person: str) -> pd.DataFrame:
        """One row per mood check-in: local time, day, label, valence and arousal (NaN when
        the source gives no such axis, as Daylio has no arousal)."""
        r = raw_records.c
        with self.engine.connect() as connection:
            owner = self._person(connection, person)
            rows = connection.execute(
                select(
                    r.source,
                    r.device,
                    r.start_utc,
                    r.utc_offset_min,
                    r.day,
                    r.metric,
                    r.value,
                    r.text,
                )
                .where(r.person_id == owner.id, r.metric.in_(["valence", "arousal", MOOD_LABEL]))
                .order_by(r.start_utc)
            ).all()
        columns = ["source", "device", "start_utc", "offset", "day", "metric", "value", "text"]
        frame = pd.DataFrame(rows, columns=columns)
        if frame.empty:
            return pd.DataFrame(columns=["at", "day", "label", "valence", "arousal"])
        frame["cell"] = frame["text"].where(frame["metric"] == MOOD_LABEL, frame["value"])
        wide = frame.pivot_table(
            index=["source", "device", "start_utc", "offset", "day"],
            columns="metric",
            values="cell",
            aggfunc="first",
        ).reset_index()
        wide = wide[wide[MOOD_LABEL].notna()] if MOOD_LABEL in wide else wide.iloc[0:0]
        local = pd.to_datetime(wide["start_utc"] + wide["offset"].fillna(0) * 60, unit="s")
        return pd.DataFrame(
            {
                "at": local.to_numpy(),
                "day": wide["day"].to_numpy(),
                "label": wide[MOOD_LABEL].to_numpy(),
                "valence": pd.to_numeric(wide.get("valence"), errors="coerce").to_numpy(),
                "arousal": pd.to_numeric(wide.get("arousal"), errors="coerce").to_numpy(),
            }
        ).sort_values("at", ignore_index=True)
