"""The per-person timeline store: people, imports, the daily timeline and sleep episodes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Engine, insert, select

from brain.config import Settings
from brain.errors import BrainError, InvalidQuery, UnknownPerson
from brain.importers import choose
from brain.importers.base import ImportContext, MoodPoint
from brain.importers.events import (
    MAX_TEXT_CHARS,
    Event,
    EventBatch,
    EventsImporter,
    JournalEntry,
    event_records,
)
from brain.metrics import MOOD_LABEL
from brain.store.database import connect, migrate
from brain.store.export import delete_person_rows, person_rows, person_tables
from brain.store.ingest import Upload, run_import, run_upload
from brain.store.models import ImportSummary, Person
from brain.store.schema import daily_values, people, raw_records, sleep_episodes

if TYPE_CHECKING:  # pandas only where a table is read: an import never loads it (~65 MB)
    import pandas as pd


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
        on_read: Callable[[int], None] | None = None,
        columns: Mapping[str, str] | None = None,
    ) -> ImportSummary:
        """Import one export for `person` (created if new), all or nothing.

        `timezone` is used for timestamps without an offset and for the local dates of UTC
        timestamps; it defaults to the person's own time zone. `on_read` is told the bytes
        of each read from the file (a progress bar's measure). `columns` names a bank
        export's columns by role where the guess misses them (brain/importers/bank.py).
        """
        importer = choose(path, fmt)
        with self.engine.begin() as connection:
            owner = self._ensure_person(connection, person, timezone)
            ctx = ImportContext(
                tz=zone(timezone or owner.timezone),
                today=today or date.today(),
                mood_scale=dict(mood_scale or {}),
                on_read=on_read,
                columns=dict(columns or {}),
            )
            return run_import(connection, owner, importer, path, ctx)

    def import_events(
        self,
        person: str,
        events: EventBatch | str | bytes | Mapping[str, Any] | Iterable[Event | Mapping[str, Any]],
        *,
        timezone: str | None = None,
        today: date | None = None,
    ) -> ImportSummary:
        """Import a client app's batch of check-ins, measurements and journal entries for
        `person` (created if new), through the same pipeline as a file: all or nothing, the
        same batch twice adds nothing, unusable events come back as rejections at events[i].

        `events` is an EventBatch, its JSON text, its JSON object ({"events": [...]}) or the
        list of events; a malformed one raises pydantic's ValidationError before anything is
        written.
        """
        if isinstance(events, str | bytes):
            events = EventBatch.model_validate_json(events)
        elif not isinstance(events, EventBatch):
            body = events if isinstance(events, Mapping) else {"events": list(events)}
            events = EventBatch.model_validate(body)
        return self._import_batch(person, events, "events.json", timezone, today)

    def add_journal_entry(
        self,
        person: str,
        text: str,
        *,
        at: datetime | None = None,
        timezone: str | None = None,
    ) -> ImportSummary:
        """Add one journal entry (now, unless `at` says when; naive times are in the person's
        time zone). The same words at the same second twice add nothing."""
        words = text.strip()
        if not words:
            raise InvalidQuery("a journal entry needs some text; this one is empty")
        if len(words) > MAX_TEXT_CHARS:
            raise InvalidQuery(
                f"a journal entry holds at most {MAX_TEXT_CHARS:,} characters; "
                f"this one has {len(words):,}"
            )
        when = at if at is not None else datetime.now(UTC).replace(microsecond=0)
        batch = EventBatch(events=[JournalEntry(at=when, text=words)])
        return self._import_batch(person, batch, "journal.json", timezone, None)

    def _import_batch(
        self,
        person: str,
        batch: EventBatch,
        filename: str,
        timezone: str | None,
        today: date | None,
    ) -> ImportSummary:
        with self.engine.begin() as connection:
            owner = self._ensure_person(connection, person, timezone)
            ctx = ImportContext(tz=zone(timezone or owner.timezone), today=today or date.today())
            upload = Upload(filename, batch.canonical_bytes(), event_records(batch, ctx))
            return run_upload(connection, owner, EventsImporter(), upload, ctx)

    # a person's whole data --------------------------------------------------------------------

    def delete_person(self, name: str) -> dict[str, int]:
        """Delete the person and every row about them, in one transaction; returns the rows
        deleted per table. Nobody else's data is touched."""
        with self.engine.begin() as connection:
            owner = self._person(connection, name)
            return delete_person_rows(connection, owner.id)

    def export_person(self, name: str) -> dict[str, list[dict[str, Any]]]:
        """Every row the store holds about the person, per table, as JSON-ready dicts (dates
        ISO, bytes hex), read from one consistent state of the database."""
        tables: dict[str, list[dict[str, Any]]] = {table.name: [] for table in person_tables()}
        with self._snapshot() as connection:
            owner = self._person(connection, name)
            for table_name, row in person_rows(connection, owner.id):
                tables[table_name].append(row)
        return tables

    def iter_export(self, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The same rows as `export_person`, streamed as (table name, row), table by table,
        for exports too big to hold. Raises UnknownPerson now, not at the first row."""
        self.person(name)
        return self._iter_export(name)

    def _iter_export(self, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
        with self._snapshot() as connection:
            owner = self._person(connection, name)
            yield from person_rows(connection, owner.id)

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """A connection whose reads all see one state of the database, even while an import
        commits (PostgreSQL reads committed data per statement by default, and pysqlite
        starts no transaction for reads)."""
        with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            elif not connection.connection.driver_connection.in_transaction:
                connection.exec_driver_sql("BEGIN")
            yield connection

    # reading --------------------------------------------------------------------------------

    def timeline(
        self,
        person: str,
        start: date | None = None,
        end: date | None = None,
        metrics: list[str] | None = None,
    ) -> pd.DataFrame:
        """The daily table: one row per day with data, one column per metric (NaN = none)."""
        import pandas as pd

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
        import pandas as pd

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
        import pandas as pd

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
        # a check-in is a mood said at a moment; a daily file's valence and arousal without
        # mood words are daily values (the timeline has them), not check-ins
        if not (frame["metric"] == MOOD_LABEL).any():
            return pd.DataFrame(columns=["at", "day", "label", "valence", "arousal"])
        frame["cell"] = frame["text"].where(frame["metric"] == MOOD_LABEL, frame["value"])
        wide = frame.pivot_table(
            index=["source", "device", "start_utc", "offset", "day"],
            columns="metric",
            values="cell",
            aggfunc="first",
        ).reset_index()
        wide = wide[wide[MOOD_LABEL].notna()]
        local = pd.to_datetime(wide["start_utc"] + wide["offset"].fillna(0) * 60, unit="s")

        def axis(name: str) -> Any:
            """The axis's values, NaN throughout where the source has none (Daylio's moods
            have no arousal)."""
            if name not in wide:
                return float("nan")
            return pd.to_numeric(wide[name], errors="coerce").to_numpy()

        return pd.DataFrame(
            {
                "at": local.to_numpy(),
                "day": wide["day"].to_numpy(),
                "label": wide[MOOD_LABEL].to_numpy(),
                "valence": axis("valence"),
                "arousal": axis("arousal"),
            }
        ).sort_values("at", ignore_index=True)
