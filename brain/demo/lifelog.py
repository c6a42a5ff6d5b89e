"""Browsing, spending and air for the demo person: three more sources with known relations.

Drawn after `simulate` from a generator of their own, so the health, mood and music files of
a seed stay byte-identical whether these are written or not. Mood drives two of them and the
third is independent of it, so analytics are tested on effects that are there and on one
that is not (all per day t, v_t the day's valence as reported, or its latent value on days
without a check-in):

    L_t ~ clip(N(late_night_base_min + late_night_per_valence · v_t, late_night_sd_min),
               0, 55)                                   late-night browsing, 23:00-23:59
    q_t = clip(distraction_base + distraction_per_valence · v_t, 0.05, 0.9)
                                            chance that a daytime visit is to a distracting site
    I_t ~ Poisson(max(impulse_base + impulse_per_valence · v_t, 0.05))
                                            small purchases 21:00-23:30 (shopping, takeaway...)
    PM2.5_t, PM10_t: a seasonal AR(1) of the city's air, unrelated to mood

`LIFELOG_EFFECTS` lists what a correct analysis must recover. Every daily truth column is
computed from the very visits, payments and readings the files hold, by the importers' rules
(brain/importers/browser.py, bank.py, air_quality.py).
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from brain.demo.params import TZ
from brain.demo.records import DemoTruth


@dataclass(frozen=True, slots=True)
class LifelogParams:
    late_night_base_min: float = 22.0
    late_night_per_valence: float = -25.0
    late_night_sd_min: float = 4.0
    distraction_base: float = 0.3
    distraction_per_valence: float = -0.25
    impulse_base: float = 0.5
    impulse_per_valence: float = -0.6
    pm25_mean: float = 12.0


LIFELOG_PARAMS = LifelogParams()
LIFELOG_EFFECTS: Mapping[str, float] = MappingProxyType(
    {
        "valence_on_late_night_browsing_min": LIFELOG_PARAMS.late_night_per_valence,
        "valence_on_impulse_purchases": LIFELOG_PARAMS.impulse_per_valence,
        "valence_on_pm25": 0.0,
    }
)

DISTRACTING_SITES = ("reddit.com", "m.youtube.com", "twitter.com", "instagram.com", "amazon.de")
FOCUSED_SITES = ("github.com", "docs.google.com", "de.wikipedia.org", "stackoverflow.com")
OTHER_SITES = ("bahn.de", "wetter.com", "example-blog.net")
STATION, OTHER_STATION = "Berlin Neukoelln", "Berlin Mitte"
_SESSION_GAP_S = 600  # the browser importer's SESSION_GAP
_LAST_VISIT_S = 60  # and its LAST_VISIT


@dataclass(frozen=True, slots=True)
class PageVisit:
    at: int  # epoch seconds
    url: str
    title: str
    visit_type: int = 1  # Firefox: 1 a link; 4 an embedded page, which is not a visit


@dataclass(frozen=True, slots=True)
class Payment:
    at: datetime  # local
    name: str
    category: str
    amount: float  # negative: money out


@dataclass(frozen=True, slots=True)
class AirReading:
    at: int  # epoch seconds
    station: str
    parameter: str
    value: float


@dataclass(frozen=True)
class LifelogTruth:
    daily: pd.DataFrame
    visits: tuple[PageVisit, ...]
    payments: tuple[Payment, ...]
    readings: tuple[AirReading, ...]
    params: LifelogParams = field(default=LIFELOG_PARAMS)


def simulate_lifelog(
    truth: DemoTruth, seed: int, params: LifelogParams = LIFELOG_PARAMS
) -> LifelogTruth:
    """The three sources over `truth`'s days; the same truth and seed give the same bytes."""
    rng = np.random.default_rng([seed, 30])
    valence = truth.daily["valence"].fillna(truth.daily["valence_latent"])
    visits: list[PageVisit] = []
    payments: list[Payment] = []
    readings: list[AirReading] = []
    rows = []
    air = params.pm25_mean
    for stamp, v in valence.items():
        day = stamp.date()
        free = bool(truth.daily.at[stamp, "is_free_day"])
        browsing, distracted, late = _browse_day(rng, day, float(v), params, visits)
        spend, count, impulse = _spend_day(rng, day, float(v), free, params, payments)
        air = params.pm25_mean + 0.7 * (air - params.pm25_mean) + rng.normal(0, 3)
        air += 6 * max(0.0, np.cos(2 * np.pi * (day.timetuple().tm_yday - 15) / 365))
        pm25, pm10 = _air_day(rng, day, max(air, 2.0), readings)
        rows.append(
            {
                "date": stamp,
                "browsing_minutes": browsing,
                "distracted_browsing_minutes": distracted,
                "late_night_browsing_minutes": late,
                "distraction_ratio": distracted / browsing,
                "spend": spend,
                "transactions": count,
                "impulse_purchases": impulse,
                "pm25": pm25,
                "pm10": pm10,
            }
        )
    daily = pd.DataFrame(rows).set_index("date")
    return LifelogTruth(daily, tuple(visits), tuple(payments), tuple(readings), params)


def _local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=TZ)


# --- Browsing ----------------------------------------------------------------------------


def _browse_day(
    rng: np.random.Generator, day: date, v: float, p: LifelogParams, out: list[PageVisit]
) -> tuple[float, float, float]:
    """Daytime sessions and the late-night one; (browsing, distracted, late-night) minutes."""
    share = float(np.clip(p.distraction_base + p.distraction_per_valence * v, 0.05, 0.9))
    browsing = distracted = 0.0
    hours = sorted(rng.choice(np.arange(8, 22), size=3, replace=False))
    for hour in hours:  # sessions an hour or more apart, each under 47 minutes long
        at = int(_local(day, int(hour), int(rng.integers(0, 5))).timestamp())
        for i, gap in enumerate(_session_gaps(rng, int(rng.integers(3, 12)))):
            focused = rng.random() >= share
            site = str(rng.choice(FOCUSED_SITES + OTHER_SITES if focused else DISTRACTING_SITES))
            out.append(PageVisit(at, _url(rng, site), f"private page title {i}"))
            if rng.random() < 0.1:  # an embedded frame and a browser page: not visits
                out.append(PageVisit(at + 1, f"https://ads.example.com/frame?{at}", "", 4))
            minutes = gap / 60
            browsing += minutes
            distracted += minutes * (site in DISTRACTING_SITES)
            at += gap
        out.append(PageVisit(at + _SESSION_GAP_S, "about:newtab", "New Tab"))
    late = float(
        np.clip(
            rng.normal(p.late_night_base_min + p.late_night_per_valence * v, p.late_night_sd_min),
            0,
            55,
        )
    )
    late_total = 0.0
    if late >= 1:
        at = int(_local(day, 23, 0, int(rng.integers(0, 60))).timestamp())
        gaps = _late_gaps(rng, late * 60)
        for gap in gaps:
            out.append(PageVisit(at, _url(rng, str(rng.choice(DISTRACTING_SITES))), "late"))
            at += gap
        late_total = sum(gaps) / 60
        browsing += late_total
        distracted += late_total
    return browsing, distracted, late_total


def _session_gaps(rng: np.random.Generator, visits: int) -> list[int]:
    """Seconds each visit of a session lasts: until the next visit, the last one a minute."""
    return [int(g) for g in rng.integers(20, 240, size=visits - 1)] + [_LAST_VISIT_S]


def _late_gaps(rng: np.random.Generator, seconds: float) -> list[int]:
    gaps: list[int] = []
    while sum(gaps) + _LAST_VISIT_S < seconds:
        gaps.append(max(1, int(min(rng.integers(30, 180), seconds - sum(gaps) - _LAST_VISIT_S))))
    return [*gaps, _LAST_VISIT_S]


def _url(rng: np.random.Generator, site: str) -> str:
    """A full address with a private path and query, which the importer must never keep."""
    page = int(rng.integers(1e9))
    if site == "m.youtube.com":
        return f"https://m.youtube.com/watch?v={page}"
    return f"https://www.{site}/private/path/{page}?q=secret"


# --- Spending ----------------------------------------------------------------------------


def _spend_day(
    rng: np.random.Generator,
    day: date,
    v: float,
    free: bool,
    p: LifelogParams,
    out: list[Payment],
) -> tuple[float, float, float]:
    """The day's payments; (money out, payments out, impulse purchases)."""
    day_out: list[Payment] = []
    if day.day == 1:
        day_out.append(Payment(_local(day, 6), "Wohnbau Miete", "bills", -950.0))
        out.append(Payment(_local(day, 6, 5), "Salary", "income", 3400.0))
        out.append(Payment(_local(day, 6, 10), "Savings pot", "savings", -300.0))
    if not free:
        day_out.append(Payment(_local(day, 7, 40), "BVG", "transport", -3.2))
        if rng.random() < 0.5:
            cost = -round(float(rng.uniform(8, 15)), 2)
            day_out.append(Payment(_local(day, 12, 30), "Kantine", "eating_out", cost))
    if rng.random() < 0.35:
        cost = -round(float(rng.uniform(20, 80)), 2)
        day_out.append(
            Payment(_local(day, 18, int(rng.integers(0, 59))), "REWE", "groceries", cost)
        )
    impulse = int(rng.poisson(max(p.impulse_base + p.impulse_per_valence * v, 0.05)))
    for minute in sorted(rng.choice(np.arange(0, 150), size=impulse, replace=False)):
        name, category = [
            ("Amazon", "shopping"),
            ("Lieferando", "eating_out"),
            ("Steam", "entertainment"),
        ][int(rng.integers(0, 3))]
        cost = -round(float(rng.uniform(5, 35)), 2)
        day_out.append(
            Payment(_local(day, 21) + timedelta(minutes=int(minute)), name, category, cost)
        )
    out.extend(day_out)
    return -sum(x.amount for x in day_out), float(len(day_out)), float(impulse)


# --- Air ---------------------------------------------------------------------------------


def _air_day(
    rng: np.random.Generator, day: date, level: float, out: list[AirReading]
) -> tuple[float, float]:
    """Hourly PM2.5 and PM10 at the home station; their daily means."""
    pm25, pm10 = [], []
    for hour in range(24):
        at = int(_local(day, hour).timestamp())
        a = round(max(0.5, level * (1 + 0.3 * np.sin(np.pi * hour / 12)) + rng.normal(0, 1.5)), 1)
        b = round(a * 1.6 + abs(rng.normal(0, 2)), 1)
        out += [AirReading(at, STATION, "pm25", a), AirReading(at, STATION, "pm10", b)]
        pm25.append(a)
        pm10.append(b)
        if rng.random() < 0.01:  # a sensor gap OpenAQ writes as -999, and a neighbour's reading
            out.append(AirReading(at + 60, STATION, "pm25", -999.0))
            out.append(AirReading(at, OTHER_STATION, "pm25", round(a * 1.2, 1)))
    out.append(AirReading(int(_local(day, 12, 30).timestamp()), STATION, "o3", 40.0))
    return float(np.mean(pm25)), float(np.mean(pm10))


# --- Writers -----------------------------------------------------------------------------

_FIREFOX_SCHEMA = """
CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR,
    rev_host LONGVARCHAR, visit_count INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0 NOT NULL,
    typed INTEGER DEFAULT 0 NOT NULL, frecency INTEGER DEFAULT -1 NOT NULL,
    last_visit_date INTEGER, guid TEXT, foreign_count INTEGER DEFAULT 0 NOT NULL,
    url_hash INTEGER DEFAULT 0 NOT NULL, description TEXT, preview_image_url TEXT,
    origin_id INTEGER);
CREATE TABLE moz_historyvisits (id INTEGER PRIMARY KEY, from_visit INTEGER,
    place_id INTEGER, visit_date INTEGER, visit_type INTEGER, session INTEGER,
    source INTEGER DEFAULT 0 NOT NULL, triggeringPlaceId INTEGER);
CREATE INDEX moz_historyvisits_dateindex ON moz_historyvisits (visit_date);
"""


def write_firefox(lifelog: LifelogTruth, path: Path) -> None:
    """A Firefox profile's places.sqlite: places (address and title) and their visits."""
    path.unlink(missing_ok=True)
    places: dict[str, int] = {}
    with sqlite3.connect(path) as db:
        db.executescript(_FIREFOX_SCHEMA)
        for visit in lifelog.visits:
            place = places.get(visit.url)
            if place is None:
                place = places[visit.url] = len(places) + 1
                db.execute(
                    "INSERT INTO moz_places (id, url, title, last_visit_date) VALUES (?, ?, ?, ?)",
                    (place, visit.url, visit.title, visit.at * 1_000_000),
                )
            db.execute(
                "INSERT INTO moz_historyvisits (place_id, visit_date, visit_type, session) "
                "VALUES (?, ?, ?, 0)",
                (place, visit.at * 1_000_000, visit.visit_type),
            )
    db.close()  # the context manager commits; this closes


BANK_HEADER = (
    "Transaction ID",
    "Date",
    "Time",
    "Type",
    "Name",
    "Category",
    "Amount",
    "Currency",
    "Notes and #tags",
    "Money Out",
    "Money In",
)


def write_bank(lifelog: LifelogTruth, path: Path) -> None:
    """A Monzo-style account export: day-first dates, a time column, signed amounts."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(BANK_HEADER)
        for i, pay in enumerate(lifelog.payments, start=1):
            kind = (
                "Pot transfer"
                if pay.category == "savings"
                else ("Faster payment" if pay.amount > 0 else "Card payment")
            )
            out.writerow(
                (
                    f"tx_{i:07d}",
                    pay.at.strftime("%d/%m/%Y"),
                    pay.at.strftime("%H:%M:%S"),
                    kind,
                    pay.name,
                    pay.category,
                    f"{pay.amount:.2f}",
                    "EUR",
                    "",
                    f"{pay.amount:.2f}" if pay.amount < 0 else "",
                    f"{pay.amount:.2f}" if pay.amount > 0 else "",
                )
            )


AIR_HEADER = (
    "location",
    "city",
    "country",
    "utc",
    "local",
    "parameter",
    "value",
    "unit",
    "latitude",
    "longitude",
    "attribution",
)


def write_air_quality(lifelog: LifelogTruth, path: Path) -> None:
    """OpenAQ's CSV: one reading per row, UTC and local times."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(AIR_HEADER)
        for reading in lifelog.readings:
            moment = datetime.fromtimestamp(reading.at, UTC)
            out.writerow(
                (
                    reading.station,
                    "Berlin",
                    "DE",
                    moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    moment.astimezone(TZ).isoformat(),
                    reading.parameter,
                    reading.value,
                    "ppm" if reading.parameter == "o3" else "µg/m³",
                    "52.48",
                    "13.43",
                    "Umweltbundesamt",
                )
            )


LIFELOG_FILENAMES = ("browser/places.sqlite", "bank_transactions.csv", "openaq_berlin.csv")


def write_lifelog(truth: DemoTruth, outdir: Path, seed: int) -> list[Path]:
    """Write the browser history, bank export and air-quality CSV over `truth`'s days."""
    lifelog = simulate_lifelog(truth, seed)
    paths = [outdir / name for name in LIFELOG_FILENAMES]
    for path, writer in zip(paths, (write_firefox, write_bank, write_air_quality), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        writer(lifelog, path)
    return paths
