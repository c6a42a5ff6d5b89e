"""Browser history: Firefox `places.sqlite` and Chrome/Edge/Brave `History`, read from a copy.

Only each visit's time and its site's domain are read; full URLs and page titles never
leave the browser's file (the import summary says so). Visits become browsing time by one
documented rule, the same for every browser:

- Visits less than `SESSION_GAP` apart form a session; a visit lasts until the next visit of
  its session, and the last visit of a session counts `LAST_VISIT`.
- `browsing_minutes` is that time on every site; `distracted_browsing_minutes` the part on
  sites whose category (brain/data/domain_categories.csv, or your own list in
  EQM_DOMAIN_CATEGORIES) is social, news, video or shopping; `late_night_browsing_minutes` the
  part of visits begun between 23:00 and 04:00. The day's `distraction_ratio` is derived from
  the first two (brain.metrics.RATIOS).
- Pages inside frames, and the browser's own pages (about:, chrome://, file:), are not visits.
- Every day from the first visit to the last has all three, zero where nothing happened.

The browser keeps its file open and locked while it runs, so EQM copies it (with its
write-ahead log, which holds the newest visits) and reads the copy.
"""

from __future__ import annotations

import contextlib
import csv
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from brain.config import Settings
from brain.errors import ImportFailed
from brain.importers.base import (
    LATE_NIGHT_HOURS,
    FileSample,
    ImportContext,
    Note,
    Parsed,
    Record,
    Rejection,
    zero_days,
)

SESSION_GAP = timedelta(minutes=10)
LAST_VISIT = timedelta(minutes=1)
DISTRACTING = frozenset({"social", "news", "video", "shopping"})
FOCUSED = frozenset({"work", "learning"})
CATEGORIES = DISTRACTING | FOCUSED
BROWSING_METRICS = (
    ("browsing_minutes", "min"),
    ("distracted_browsing_minutes", "min"),
    ("late_night_browsing_minutes", "min"),
)

PRIVACY_NOTE = (
    "Only each visit's time and the site's domain were read; full addresses (URLs) and page "
    "titles were not read or kept."
)
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CHROME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)

# Firefox: visit_type 4 is an embedded page, 8 a link inside a frame. Chrome: the core
# transition (the low byte) 3 and 4 are subframes.
_FIREFOX_VISITS = """
    SELECT v.visit_date, p.url FROM moz_historyvisits v JOIN moz_places p ON p.id = v.place_id
    WHERE v.visit_type NOT IN (4, 8) ORDER BY v.visit_date
"""
_CHROME_VISITS = """
    SELECT v.visit_time, u.url FROM visits v JOIN urls u ON u.id = v.url
    WHERE (v.transition & 255) NOT IN (3, 4) ORDER BY v.visit_time
"""


@dataclass(frozen=True, slots=True)
class _Browser:
    name: str
    tables: frozenset[str]
    query: str
    epoch: datetime


_BROWSERS = (
    _Browser("Firefox", frozenset({"moz_places", "moz_historyvisits"}), _FIREFOX_VISITS, _UNIX),
    _Browser("Chrome", frozenset({"urls", "visits"}), _CHROME_VISITS, _CHROME_EPOCH),
)


@dataclass(frozen=True, slots=True)
class Visit:
    at: datetime  # UTC
    domain: str


def load_categories(path: Path | None = None) -> dict[str, str]:
    """domain -> category from the shipped list, with `path`'s rows (same columns) on top."""
    categories = _read_categories(resources.files("brain") / "data" / "domain_categories.csv")
    if path is not None:
        categories.update(_read_categories(path))
    return categories


def _read_categories(source) -> dict[str, str]:  # a Path or an importlib Traversable
    with source.open(encoding="utf-8", newline="") as f:
        rows = [row for row in csv.reader(f) if row and not row[0].startswith("#")]
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["domain", "category"]:
        raise ImportFailed(f"{source}: a domain list needs the header 'domain,category'")
    categories = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) < 2 or row[1].strip().lower() not in CATEGORIES:
            raise ImportFailed(
                f"{source} line {line}: expected 'domain,category' with a category of "
                f"{', '.join(sorted(CATEGORIES))}"
            )
        categories[row[0].strip().lower().removeprefix("www.")] = row[1].strip().lower()
    return categories


@cache
def _configured_categories(path: Path | None) -> Mapping[str, str]:
    return load_categories(path)


def category_of(domain: str, categories: Mapping[str, str]) -> str | None:
    """The category of `domain` or of the nearest parent domain listed (m.youtube.com is
    youtube.com's); None for a site the list does not know."""
    labels = domain.split(".")
    for i in range(len(labels) - 1):
        found = categories.get(".".join(labels[i:]))
        if found:
            return found
    return None


def domain_of(url: str) -> str | None:
    """The site of a web address without `www.`; None for the browser's own pages and for
    addresses that cannot be read."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and the like
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower().removeprefix("www.")


def _browser_of(path: Path) -> _Browser | None:
    """The browser whose history `path` holds; its write-ahead log is read too, from a copy
    (a running browser may have its tables there, not yet in the file itself)."""
    found = _browser_in(f"{path.resolve().as_uri()}?mode=ro&immutable=1")
    wal = _wal_of(path)
    if found is None and wal.is_file():
        with tempfile.TemporaryDirectory(prefix="eqm-browser-") as folder:
            copy = Path(folder) / "history.sqlite"
            shutil.copyfile(path, copy)
            shutil.copyfile(wal, _wal_of(copy))
            found = _browser_in(str(copy))
    return found


def _connect(database: str) -> contextlib.closing[sqlite3.Connection]:
    """A connection whose text is decoded leniently: a damaged file's bytes are not UTF-8."""
    db = sqlite3.connect(database, uri=True)
    db.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    return contextlib.closing(db)


def _browser_in(database: str) -> _Browser | None:
    try:
        with _connect(database) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    except (sqlite3.Error, UnicodeDecodeError):
        return None
    return next((b for b in _BROWSERS if b.tables <= tables), None)


def _wal_of(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


class BrowserHistoryImporter:
    name: ClassVar[str] = "browser"
    description: ClassVar[str] = "Firefox places.sqlite or Chrome/Edge History (browser history)"

    def sniff(self, sample: FileSample) -> bool:
        return sample.head.startswith(_SQLITE_MAGIC) and _browser_of(sample.path) is not None

    def parse(self, path: Path, ctx: ImportContext) -> Iterator[Parsed]:
        yield Note(PRIVACY_NOTE)
        categories = _configured_categories(Settings().domain_categories)
        with tempfile.TemporaryDirectory(prefix="eqm-browser-") as folder:
            copy = _copy(path, Path(folder), ctx)
            browser = _browser_in(str(copy))  # our own copy: opened plainly, its log read
            if browser is None:
                raise ImportFailed(
                    f"{path.name} is not a Firefox or Chrome history database (it has no "
                    "moz_historyvisits or visits table)"
                )
            visits, skipped, unreadable = _visits(copy, browser)
            yield from unreadable
            yield from _records(visits, browser.name, categories, ctx)
        if visits:
            first, last = (visits[i].at.astimezone(ctx.tz).date() for i in (0, -1))
            yield from zero_days(BROWSING_METRICS, first, last, browser.name)
        if skipped:
            yield Note(f"{skipped} visits to the browser's own pages (about:, file:) were skipped.")


def _copy(path: Path, folder: Path, ctx: ImportContext) -> Path:
    """The database and its write-ahead log copied into `folder`, so the browser's lock on
    its own file does not matter and nothing of it is ever written."""
    copy = folder / "history.sqlite"
    with ctx.open(path) as source, copy.open("wb") as target:
        shutil.copyfileobj(source, target, 1 << 20)
    if _wal_of(path).is_file():
        shutil.copyfile(_wal_of(path), _wal_of(copy))
    return copy


def _visits(copy: Path, browser: _Browser) -> tuple[list[Visit], int, list[Rejection]]:
    """Every page visit in time order, how many were to the browser's own pages, and the
    visits whose time cannot be read."""
    visits: list[Visit] = []
    skipped = 0
    unreadable: list[Rejection] = []
    try:
        with _connect(str(copy)) as db:
            for n, (microseconds, url) in enumerate(db.execute(browser.query), start=1):
                domain = domain_of(url) if isinstance(url, str) else None
                if domain is None:
                    skipped += 1
                    continue
                try:
                    at = browser.epoch + timedelta(microseconds=microseconds)
                except (TypeError, OverflowError):
                    unreadable.append(
                        Rejection(f"visit {n}", f"visit time {microseconds!r}", "bad_date")
                    )
                    continue
                visits.append(Visit(at, domain))
    except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
        raise ImportFailed(f"{browser.name} history could not be read: {e}") from None
    return visits, skipped, unreadable


def _records(
    visits: list[Visit], device: str, categories: Mapping[str, str], ctx: ImportContext
) -> Iterator[Record]:
    for i, visit in enumerate(visits):
        following = visits[i + 1].at - visit.at if i + 1 < len(visits) else SESSION_GAP
        lasts = following if following < SESSION_GAP else LAST_VISIT
        start = visit.at.astimezone(ctx.tz)
        end = start + lasts
        minutes = lasts.total_seconds() / 60
        where = f"visit {i + 1}"
        day = start.date()
        yield Record(
            "browsing_minutes", day, minutes, "min", visit.domain, start, end, device, where
        )
        if category_of(visit.domain, categories) in DISTRACTING:
            yield Record(
                "distracted_browsing_minutes", day, minutes, "min", None, start, end, device, where
            )
        if start.hour in LATE_NIGHT_HOURS:
            yield Record(
                "late_night_browsing_minutes", day, minutes, "min", None, start, end, device, where
            )
