"""The import pipeline: validate, de-duplicate and write records, then rebuild the days.

Everything happens on one connection inside one transaction owned by the caller, so a file
that fails halfway (truncated XML, a decoding error) leaves the store exactly as it was.
"""

from __future__ import annotations

import gc
import hashlib
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from pathlib import Path

from sqlalchemy import Connection, delete, insert, update

from brain.errors import ImportFailed
from brain.importers.base import (
    ImportContext,
    Importer,
    Note,
    Parsed,
    Record,
    Rejection,
    UnknownLabel,
)
from brain.metrics import out_of_range
from brain.store.database import driver_syntax
from brain.store.models import MAX_LISTED_REJECTIONS, DateRange, ImportSummary, Person, Rejected
from brain.store.rebuild import rebuild_days
from brain.store.schema import imports, people

BATCH_SIZE = 20_000
EARLIEST_DAY = date(1900, 1, 1)


def record_key(source: str, record: Record, start_utc: int | None, end_utc: int | None) -> bytes:
    """Identity of what a record says: the same observation imported twice has the same key."""
    identity = (
        f"{source}\x1f{record.device}\x1f{record.metric}\x1f{record.day}\x1f{start_utc}\x1f"
        f"{end_utc}\x1f{record.value!r}\x1f{record.unit}\x1f{record.text}"
    )
    return hashlib.blake2b(identity.encode(), digest_size=16).digest()


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _offset_minutes(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    offset = moment.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def _problem(record: Record, latest_day: date) -> Rejection | None:
    if record.day > latest_day:
        return Rejection(
            record.where, f"{record.metric} on {record.day} is in the future", "future_date"
        )
    if record.day < EARLIEST_DAY:
        return Rejection(
            record.where, f"{record.metric} on {record.day} is before 1900", "bad_date"
        )
    if record.value is not None:
        reason = out_of_range(record.metric, record.value)
        if reason:
            return Rejection(record.where, reason, "out_of_range")
    return None


class _Tally:
    """Counts what an import read, rejected and could not place, while rows stream past."""

    def __init__(self) -> None:
        self.read = 0
        self.rejections: list[Rejected] = []
        self.by_reason: Counter[str] = Counter()
        self.unknown_labels: Counter[str] = Counter()
        self.notes: dict[str, None] = {}  # in the order first said, each once

    def reject(self, rejection: Rejection) -> None:
        self.by_reason[rejection.code] += 1
        if len(self.rejections) < MAX_LISTED_REJECTIONS:
            self.rejections.append(Rejected(where=rejection.where, reason=rejection.reason))

    @property
    def rejected(self) -> int:
        return sum(self.by_reason.values())


_COLUMNS = (
    "person_id",
    "import_id",
    "record_key",
    "source",
    "device",
    "metric",
    "day",
    "start_utc",
    "end_utc",
    "utc_offset_min",
    "value",
    "unit",
    "text",
)
_METRIC = _COLUMNS.index("metric")
_by_key = itemgetter(_COLUMNS.index("record_key"))


class _Writer:
    """Inserts rows in batches straight through the driver, skipping ones already stored.

    This is the hot path of a multi-gigabyte import, so rows are plain tuples and the
    statement goes to the DB-API cursor as is. Batches are split by metric so that the
    driver's row counts tell how many records of each metric were new.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        syntax = driver_syntax(connection)
        marks = ", ".join([syntax.mark] * len(_COLUMNS))
        self.sql = (
            f"INSERT INTO raw_records ({', '.join(_COLUMNS)}) VALUES ({marks}) "
            "ON CONFLICT (person_id, record_key) DO NOTHING"
        )
        self.day_param = syntax.day_param
        self.pending: dict[str, list[tuple]] = {}
        self.size = 0
        self.kept: Counter[str] = Counter()

    def add(self, row: tuple) -> None:
        self.pending.setdefault(row[_METRIC], []).append(row)
        self.size += 1
        if self.size >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        for metric, rows in self.pending.items():
            rows.sort(key=_by_key)  # neighbouring keys: the unique index is updated in order
            result = self.connection.exec_driver_sql(self.sql, rows)
            self.kept[metric] += result.rowcount
        self.pending.clear()
        self.size = 0


def _write(
    parsed: Iterator,
    tally: _Tally,
    writer: _Writer,
    person_id: int,
    import_id: str,
    source: str,
    latest_day: date,
) -> set[date]:
    """Validate and write every record; returns the days of the valid ones."""
    days: set[date] = set()
    day_param = writer.day_param
    for item in parsed:
        if isinstance(item, UnknownLabel):
            tally.unknown_labels[item.label] += 1
            continue
        if isinstance(item, Note):
            tally.notes[item.text] = None
            continue
        tally.read += 1
        if isinstance(item, Rejection):
            tally.reject(item)
            continue
        problem = _problem(item, latest_day)
        if problem:
            tally.reject(problem)
            continue
        start_utc, end_utc = _epoch(item.start), _epoch(item.end)
        days.add(item.day)
        writer.add(
            (
                person_id,
                import_id,
                record_key(source, item, start_utc, end_utc),
                source,
                item.device,
                item.metric,
                day_param(item.day),
                start_utc,
                end_utc,
                _offset_minutes(item.start or item.end),
                item.value,
                item.unit,
                item.text,
            )
        )
    writer.flush()
    return days


@contextmanager
def _existing_objects_frozen() -> Iterator[None]:
    """A big import allocates millions of short-lived objects, and every full collection
    would rescan all the objects the program already held (a CLI or server holds hundreds of
    thousands): freezing them leaves the collector only the import's own."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Upload:
    """Records that arrive in memory rather than in a file (a client app's events): the name
    and the canonical bytes that the imports table keeps (as a file's name and sha256), and
    the records themselves."""

    filename: str
    content: bytes
    records: Iterable[Parsed]


def run_import(
    connection: Connection, person: Person, importer: Importer, path: Path, ctx: ImportContext
) -> ImportSummary:
    """Import one file for one person on `connection` (the caller commits or rolls back)."""
    with _existing_objects_frozen():
        return _import(
            connection,
            person,
            importer,
            path.name,
            file_sha256(path),
            path.stat().st_size,
            importer.parse(path, ctx),
            ctx,
        )


def run_upload(
    connection: Connection, person: Person, importer: Importer, upload: Upload, ctx: ImportContext
) -> ImportSummary:
    """Import records sent in memory, exactly as a file's: same validation, de-duplication
    and summary, on `connection` (the caller commits or rolls back)."""
    sha256 = hashlib.sha256(upload.content).hexdigest()
    return _import(
        connection,
        person,
        importer,
        upload.filename,
        sha256,
        len(upload.content),
        upload.records,
        ctx,
    )


def _import(
    connection: Connection,
    person: Person,
    importer: Importer,
    filename: str,
    sha256: str,
    size: int,
    parsed: Iterable[Parsed],
    ctx: ImportContext,
) -> ImportSummary:
    started = time.perf_counter()
    import_id = uuid.uuid4().hex
    connection.execute(
        insert(imports).values(
            id=import_id,
            person_id=person.id,
            format=importer.name,
            filename=filename,
            sha256=sha256,
            created_at=datetime.now(UTC),
            summary={},
        )
    )
    tally = _Tally()
    writer = _Writer(connection)
    days = _write(
        iter(parsed),
        tally,
        writer,
        person.id,
        import_id,
        importer.name,
        ctx.today + timedelta(days=1),
    )
    if tally.read == 0:
        raise ImportFailed(f"{filename} holds no records that EQM reads ({importer.description})")
    per_metric = {metric: n for metric, n in sorted(writer.kept.items()) if n}
    kept = sum(per_metric.values())
    duplicates = tally.read - tally.rejected - kept
    if kept == 0 and duplicates == 0:
        reasons = ", ".join(f"{n} {code}" for code, n in tally.by_reason.most_common())
        first = tally.rejections[0]
        raise ImportFailed(
            f"{filename}: none of its {tally.read} records is usable ({reasons}); "
            f"first: {first.where}: {first.reason}"
        )
    days_rebuilt = rebuild_days(connection, person.id, days, set(per_metric)) if kept else 0
    seconds = time.perf_counter() - started
    summary = ImportSummary(
        import_id=import_id if kept else None,
        person=person.name,
        file=filename,
        format=importer.name,
        records_read=tally.read,
        kept=kept,
        duplicates=duplicates,
        rejected=tally.rejected,
        rejected_by_reason=dict(tally.by_reason.most_common()),
        rejections=tally.rejections,
        unknown_labels=dict(tally.unknown_labels.most_common()),
        notes=list(tally.notes),
        date_range=DateRange(first=min(days), last=max(days)) if days else None,
        metrics=per_metric,
        days_rebuilt=days_rebuilt,
        seconds=round(seconds, 3),
        megabytes=round(size / 1e6, 3),
        megabytes_per_second=round(size / 1e6 / max(seconds, 1e-6), 1),
    )
    if kept:
        connection.execute(
            update(imports)
            .where(imports.c.id == import_id)
            .values(summary=summary.model_dump(mode="json"))
        )
        connection.execute(
            update(people)
            .where(people.c.id == person.id)
            .values(data_version=people.c.data_version + 1)
        )
    else:  # a re-import: nothing new, so no trace of it either
        connection.execute(delete(imports).where(imports.c.id == import_id))
    return summary
