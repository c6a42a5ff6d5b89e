"""What every importer produces and the context it runs in.

An importer streams a file and yields `Record`s (one observation each) and `Rejection`s
(one unusable row each, with where and why). It never touches the store: the pipeline
in brain.store validates, de-duplicates and writes, all in one transaction.

The shape of a record says how it adds up into a day (brain.timeline.derive):
- `start` and `end`: an interval (a step sample, a sleep stage, a visit);
- `start` only: an event at an instant (a check-in, a drink);
- neither: a statement about the whole `day` (a daily total or level).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, ClassVar, Protocol
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Record:
    metric: str
    day: date
    value: float | None = None
    unit: str | None = None
    text: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    device: str = ""
    where: str = ""  # row or line in the source file, for error messages


@dataclass(frozen=True, slots=True)
class Rejection:
    where: str
    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class UnknownLabel:
    """A mood word the lexicon and the mood scale do not know; the check-in is still kept."""

    label: str
    where: str


@dataclass(frozen=True, slots=True)
class Note:
    """Something the person should know about how their file was read (what was left out,
    which convention was assumed); shown once in the import summary."""

    text: str


Parsed = Record | Rejection | UnknownLabel | Note

LATE_NIGHT_HOURS = frozenset({23, 0, 1, 2, 3})  # local clock hours counted as late night


def zero_days(
    metrics: Iterable[tuple[str, str]], first: date, last: date, device: str
) -> Iterator[Record]:
    """A statement of zero for each (metric, unit) on every day from `first` to `last`.

    A file that covers those days and holds no payment (or visit) on one of them says that
    day's amount was zero; without the statement the day would be missing, and analyses
    would only ever see the days on which something happened. A statement never adds to
    the day's records (brain.timeline.derive takes the larger).
    """
    pairs = list(metrics)
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        for metric, unit in pairs:
            yield Record(metric, day, 0.0, unit, device=device, where=f"{day} (none that day)")


@dataclass(frozen=True, slots=True)
class MoodPoint:
    """Where a mood name sits on the circumplex; arousal is unknown for one-axis scales."""

    valence: float
    arousal: float | None = None


class _MeteredReader(io.RawIOBase):
    """A file that tells `on_read` how many bytes each read took from the disk."""

    def __init__(self, raw: BinaryIO, on_read: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._raw.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer) or 0
        if n:
            self._on_read(n)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass(frozen=True)
class ImportContext:
    """Everything an importer may need besides the file itself."""

    tz: ZoneInfo  # for timestamps without an offset, and local dates of UTC timestamps
    today: date  # anything after this (plus a day of slack for time zones) is in the future
    mood_scale: Mapping[str, MoodPoint] = field(default_factory=dict)
    on_read: Callable[[int], None] | None = None  # bytes read from the file, for a progress bar
    columns: Mapping[str, str] = field(default_factory=dict)  # role -> column, overriding names

    def open(self, path: Path) -> BinaryIO:
        """The file to import, opened for reading; what is read is reported to `on_read`."""
        if self.on_read is None:
            return path.open("rb")
        metered = _MeteredReader(path.open("rb", buffering=0), self.on_read)
        return io.BufferedReader(metered, buffer_size=1 << 16)  # type: ignore[return-value]


@dataclass(frozen=True)
class FileSample:
    """The first bytes of a file (decompressed names for zips), for content sniffing."""

    path: Path
    head: bytes
    zip_names: tuple[str, ...] = ()

    @property
    def text_head(self) -> str:
        for bom, encoding in (
            (b"\xef\xbb\xbf", "utf-8-sig"),
            (b"\xff\xfe", "utf-16"),
            (b"\xfe\xff", "utf-16"),
        ):
            if self.head.startswith(bom):
                return self.head.decode(encoding, errors="ignore")
        return self.head.decode("utf-8", errors="ignore")

    @property
    def csv_columns(self) -> frozenset[str]:
        """Normalised header names if the file starts like a CSV, else empty."""
        first_line = next(iter(self.text_head.lstrip("\ufeff").splitlines()), "")
        if "," not in first_line:
            return frozenset()
        header = next(csv.reader(io.StringIO(first_line)), [])
        return frozenset(" ".join(name.lower().split()) for name in header)


class Importer(Protocol):
    """One export format: how to recognise it and how to read it."""

    name: ClassVar[str]
    description: ClassVar[str]

    def sniff(self, sample: FileSample) -> bool: ...

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]: ...
