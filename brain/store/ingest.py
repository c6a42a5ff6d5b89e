"""The import pipeline: validate, de-duplicate and write records, then rebuild the days.

Everything happens on one connection inside one transaction owned by the caller, so a file
that fails halfway (truncated XML, a decoding error) leaves the store exactly as it was.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from brain.errors import ImportFailed
from brain.importers.base import ImportContext, Importer, Record, Rejection, UnknownLabel
from brain.metrics import out_of_range
from brain.store.models import MAX_LISTED_REJECTIONS, DateRange, ImportSummary, Person, Rejected
from brain.store.rebuild import rebuild_days
from brain.store.schema import imports, people, raw_records

BATCH_SIZE = 5_000
EARLIEST_DAY = date(1900, 1, 1)


def record_key(source: str, record: Record, start_utc: int | None, end_utc: int | None) -> str:
    """Identity of what a record says: the same observation imported twice has the same key."""
    identity = "\x1f".join(
        map(
            str,
            (
                source,
                record.device,
                record.metric,
                record.day,
                start_utc,
                end_utc,
                repr(record.value),
                record.unit,
                record.text,
            ),
        )
    )
    return hashlib.blake2b(identity.encode(), digest_size=16).hexdigest()


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

    def reject(self, rejection: Rejection) -> None:
        self.by_reason[rejection.code] += 1
        if len(self.rejections) < MAX_LISTED_REJECTIONS:
            self.rejections.append(Rejected(where=rejection.where, reason=rejection.reason))

    @property
    def rejected(self) -> int:
        return sum(self.by_reason.values())


def _rows(
    parsed: Iterator, tally: _Tally, person_id: int, import_id: str, source: str, latest_day: date
) -> Iterator[dict]:
    for item in parsed:
        if isinstance(item, UnknownLabel):
            tally.unknown_labels[item.label] += 1
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
        yield {
            "person_id": person_id,
            "import_id": import_id,
            "record_key": record_key(source, item, start_utc, end_utc),
            "source": source,
            "device": item.device,
            "metric": item.metric,
            "day": item.day,
            "start_utc": start_utc,
            "end_utc": end_utc,
            "utc_offset_min": _offset_minutes(item.start or item.end),
            "value": item.value,
            "unit": item.unit,
            "text": item.text,
        }


def _insert_ignoring_duplicates(connection: Connection):
    dialect = connection.dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(raw_records).on_conflict_do_nothing(
        index_elements=["person_id", "record_key"]
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def run_import(
    connection: Connection, person: Person, importer: Importer, path: Path, ctx: ImportContext
) -> ImportSummary:
    """Import one file for one person on `connection` (the caller commits or rolls back)."""
    started = time.perf_counter()
    import_id = uuid.uuid4().hex
    connection.execute(
        insert(imports).values(
            id=import_id,
            person_id=person.id,
            format=importer.name,
            filename=path.name,
            sha256=file_sha256(path),
            created_at=datetime.now(UTC),
            summary={},
        )
    )
    tally = _Tally()
    statement = _insert_ignoring_duplicates(connection)
    rows = _rows(
        importer.parse(path, ctx),
        tally,
        person.id,
        import_id,
        importer.name,
        ctx.today + timedelta(days=1),
    )
    while batch := list(islice(rows, BATCH_SIZE)):
        connection.execute(statement, batch)

    if tally.read == 0:
        raise ImportFailed(f"{path.name} holds no records that EQM reads ({importer.description})")
    mine = raw_records.c.import_id == import_id
    per_metric = dict(
        connection.execute(
            select(raw_records.c.metric, func.count())
            .where(mine)
            .group_by(raw_records.c.metric)
            .order_by(raw_records.c.metric)
        ).all()
    )
    kept = sum(per_metric.values())
    duplicates = tally.read - tally.rejected - kept
    if kept == 0 and duplicates == 0:
        reasons = ", ".join(f"{n} {code}" for code, n in tally.by_reason.most_common())
        first = tally.rejections[0]
        raise ImportFailed(
            f"{path.name}: none of its {tally.read} records is usable ({reasons}); "
            f"first: {first.where}: {first.reason}"
        )

    first_day, last_day = connection.execute(
        select(func.min(raw_records.c.day), func.max(raw_records.c.day)).where(mine)
    ).one()
    days = {d for (d,) in connection.execute(select(raw_records.c.day).where(mine).distinct())}
    days_rebuilt = rebuild_days(connection, person.id, days) if days else 0
    summary = ImportSummary(
        import_id=import_id if kept else None,
        person=person.name,
        file=path.name,
        format=importer.name,
        records_read=tally.read,
        kept=kept,
        duplicates=duplicates,
        rejected=tally.rejected,
        rejected_by_reason=dict(tally.by_reason.most_common()),
        rejections=tally.rejections,
        unknown_labels=dict(tally.unknown_labels.most_common()),
        date_range=DateRange(first=first_day, last=last_day) if first_day else None,
        metrics=per_metric,
        days_rebuilt=days_rebuilt,
        seconds=round(time.perf_counter() - started, 3),
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
