"""Browser history, bank exports and air quality: the importers against the demo's known
truth and real-shaped variants, and the analytics against the effects planted in them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from agent.accounts import Accounts
from agent.cli.serve import api_server
from agent.config import AgentSettings
from brain.analytics.causal import causal_effect
from brain.analytics.correlation import correlate, correlation_scan
from brain.analytics.service import Analytics
from brain.demo import simulate
from brain.demo.lifelog import LIFELOG_EFFECTS, simulate_lifelog, write_lifelog
from brain.demo.params import TZ
from brain.demo.people import DEMO_FILES, LIFELOG_FILES, DemoPerson, import_demo_person
from brain.errors import ImportFailed, UnknownPerson
from brain.importers import choose
from brain.importers.bank import parse_columns, parse_money
from brain.importers.browser import PRIVACY_NOTE, category_of, domain_of, load_categories
from brain.store import Store
from training.serving import free_port

TODAY = date(2026, 11, 5)
DAYS = 120


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, list[Path]]:
    """Four months of the three files and the truth behind them."""
    truth = simulate(days=DAYS, seed=3)
    folder = tmp_path_factory.mktemp("lifelog")
    return simulate_lifelog(truth, 3).daily, write_lifelog(truth, folder, 3)


def _import(store: Store, path: Path, **kwargs) -> dict:
    return store.import_file("lee", path, timezone=TZ.key, today=TODAY, **kwargs).model_dump()


@pytest.mark.parametrize(
    ("index", "columns"),
    [
        (
            0,
            [
                "browsing_minutes",
                "distracted_browsing_minutes",
                "late_night_browsing_minutes",
                "distraction_ratio",
            ],
        ),
        (1, ["spend", "transactions", "impulse_purchases"]),
        (2, ["pm25", "pm10"]),
    ],
)
def test_each_file_gives_exactly_the_days_it_was_made_from(
    small, sqlite_store: Store, index: int, columns: list[str]
):
    truth, paths = small
    summary = _import(sqlite_store, paths[index])
    assert summary["format"] == ("browser", "bank", "air_quality")[index]
    timeline = sqlite_store.timeline("lee")
    timeline.index = pd.to_datetime(timeline.index)
    kept = timeline.index
    for column in columns:
        pd.testing.assert_series_equal(
            timeline[column],
            truth.loc[kept, column],
            check_names=False,
            check_freq=False,
            rtol=1e-9,
            check_index_type=False,
        )
    assert len(kept) >= DAYS - 2  # every day in the file's span, zero where nothing happened
    again = _import(sqlite_store, paths[index])
    assert again["kept"] == 0 and again["duplicates"] == summary["kept"]


def test_browser_history_keeps_domains_and_times_only(small, sqlite_store: Store):
    _, paths = small
    summary = _import(sqlite_store, paths[0])
    assert PRIVACY_NOTE in summary["notes"]
    assert any("browser's own pages" in note for note in summary["notes"])
    texts = {row["text"] for row in sqlite_store.export_person("lee")["raw_records"]}
    assert texts >= {"reddit.com", "github.com", "m.youtube.com"}
    assert not [t for t in texts if t and ("/" in t or "secret" in t or "title" in t)]


def test_a_running_browser_holding_its_database_does_not_stop_the_import(
    tmp_path: Path, sqlite_store: Store
):
    """Firefox keeps places.sqlite locked with the newest visits in its write-ahead log."""
    path = tmp_path / "places.sqlite"
    browser = sqlite3.connect(path)
    browser.execute("PRAGMA journal_mode=WAL")
    browser.execute("PRAGMA wal_autocheckpoint=0")
    browser.executescript(
        "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT);"
        "CREATE TABLE moz_historyvisits (id INTEGER PRIMARY KEY, place_id INTEGER, "
        "visit_date INTEGER, visit_type INTEGER);"
    )
    start = datetime(2026, 10, 20, 23, 10, tzinfo=TZ)
    browser.executemany(
        "INSERT INTO moz_places VALUES (?, ?, ?)",
        [(1, "https://www.reddit.com/r/x", "t"), (2, "about:blank", "")],
    )
    visits = [(1, start + timedelta(minutes=m), 1) for m in (0, 3, 5)] + [(2, start, 1)]
    browser.executemany(
        "INSERT INTO moz_historyvisits (place_id, visit_date, visit_type) VALUES (?, ?, ?)",
        [(p, int(at.timestamp() * 1e6), kind) for p, at, kind in visits],
    )
    browser.commit()
    browser.execute("BEGIN IMMEDIATE")  # the browser is writing: the file is locked
    try:
        assert (tmp_path / "places.sqlite-wal").stat().st_size > 0
        summary = _import(sqlite_store, path)
    finally:
        browser.rollback()
        browser.close()
    assert summary["kept"] > 0
    day = sqlite_store.timeline("lee").loc[date(2026, 10, 20)]
    assert day["browsing_minutes"] == day["late_night_browsing_minutes"] == 3 + 2 + 1
    assert day["distraction_ratio"] == 1.0


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_damaged_history_imports_or_is_refused_clearly(
    small, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
):
    original = bytearray(small[1][0].read_bytes())
    if data.draw(st.booleans()):
        damaged = original[: data.draw(st.integers(0, len(original)))]
    else:
        for _ in range(data.draw(st.integers(1, 200))):
            original[data.draw(st.integers(0, len(original) - 1))] = data.draw(st.integers(0, 255))
        damaged = original
    folder = tmp_path_factory.mktemp("damaged")
    path = folder / "places.sqlite"
    path.write_bytes(bytes(damaged))
    with Store.open(f"sqlite:///{folder / 'eqm.sqlite3'}") as store:
        try:
            store.import_file("lee", path, fmt=data.draw(st.sampled_from([None, "browser"])))
        except ImportFailed as e:
            assert str(e) and "Traceback" not in str(e)
            with pytest.raises(UnknownPerson):  # all or nothing: not even the person was made
                store.person("lee")


def _chrome_history(path: Path, visits: list[tuple[str, datetime, int]]) -> Path:
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title "
            "LONGVARCHAR, visit_count INTEGER DEFAULT 0 NOT NULL, last_visit_time INTEGER);"
            "CREATE TABLE visits(id INTEGER PRIMARY KEY, url INTEGER NOT NULL, visit_time "
            "INTEGER NOT NULL, from_visit INTEGER, transition INTEGER DEFAULT 0 NOT NULL, "
            "visit_duration INTEGER DEFAULT 0 NOT NULL);"
        )
        for url, at, transition in visits:
            db.execute("INSERT INTO urls (url, title) VALUES (?, 'secret title')", (url,))
            micros = int((at - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 1e6)
            db.execute(
                "INSERT INTO visits (url, visit_time, transition) "
                "VALUES (last_insert_rowid(), ?, ?)",
                (micros, transition),
            )
    db.close()
    return path


def test_chrome_history_by_the_same_rule_without_frames(tmp_path: Path, sqlite_store: Store):
    nine = datetime(2026, 10, 21, 9, 0, tzinfo=TZ)
    path = _chrome_history(
        tmp_path / "History",
        [
            ("https://github.com/eqm", nine, 0x30000001),  # a link, with qualifier bits
            ("https://ads.example.com/frame", nine + timedelta(seconds=30), 3),  # subframe
            ("https://www.youtube.com/watch?v=1", nine + timedelta(minutes=4), 1),
            ("chrome://settings", nine + timedelta(minutes=5), 1),
            ("https://news.bbc.co.uk/", nine + timedelta(minutes=40), 1),  # a new session
        ],
    )
    assert choose(path).name == "browser"
    summary = _import(sqlite_store, path)
    day = sqlite_store.timeline("lee").loc[date(2026, 10, 21)]
    assert day["browsing_minutes"] == pytest.approx(4 + 1 + 1)
    assert day["distracted_browsing_minutes"] == pytest.approx(1 + 1)
    assert day["late_night_browsing_minutes"] == 0
    assert any("1 visits to the browser's own pages" in note for note in summary["notes"])


def test_domains_and_their_categories():
    categories = load_categories()
    assert domain_of("https://WWW.Reddit.com/r/sleep?x=1") == "reddit.com"
    assert domain_of("about:newtab") is None and domain_of("file:///home/x") is None
    assert category_of("m.youtube.com", categories) == "video"
    assert category_of("de.wikipedia.org", categories) == "learning"
    assert category_of("example-blog.net", categories) is None


def test_a_persons_own_domain_list_is_read_on_top(tmp_path: Path, monkeypatch):
    own = tmp_path / "mine.csv"
    own.write_text("domain,category\nreddit.com,learning\nmy-news.example,news\n")
    categories = load_categories(own)
    assert categories["reddit.com"] == "learning" and categories["my-news.example"] == "news"
    own.write_text("domain,category\nreddit.com,fun\n")
    with pytest.raises(ImportFailed, match="line 2"):
        load_categories(own)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("-12.50", -12.5),
        ("£1,234.56", 1234.56),
        ("1.234,56", 1234.56),
        ("12,50", 12.5),
        ("(7.20)", -7.2),
        ("1,234", 1234.0),
        ("", None),
        ("€ -3", -3.0),
    ],
)
def test_amounts_as_banks_write_them(raw: str, value: float | None):
    assert parse_money(raw) == value


def test_amounts_that_are_not_money_are_refused():
    with pytest.raises(ValueError, match="not an amount"):
        parse_money("n/a")


def _revolut_workbook(path: Path) -> Path:
    """Revolut's columns: times inside the dates, a state, no categories."""
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "Type",
            "Product",
            "Started Date",
            "Completed Date",
            "Description",
            "Amount",
            "Fee",
            "Currency",
            "State",
            "Balance",
        ]
    )
    rows = [
        ("CARD_PAYMENT", datetime(2026, 10, 3, 22, 15), "Amazon", -19.99, "EUR", "COMPLETED"),
        ("CARD_PAYMENT", datetime(2026, 10, 3, 9, 5), "Bakery", -3.4, "EUR", "COMPLETED"),
        ("CARD_PAYMENT", datetime(2026, 10, 4, 12, 0), "Shop", -50.0, "EUR", "DECLINED"),
        ("TOPUP", datetime(2026, 10, 4, 13, 0), "Top-up", 200.0, "EUR", "COMPLETED"),
        ("CARD_PAYMENT", datetime(2026, 10, 5, 18, 0), "Hotel", -80.0, "USD", "COMPLETED"),
        ("CARD_PAYMENT", datetime(2026, 10, 6, 8, 0), "Bakery", -3.4, "EUR", "COMPLETED"),
    ]
    for kind, at, name, amount, currency, state in rows:
        sheet.append([kind, "Current", at, at, name, amount, 0, currency, state, None])
    book.save(path)
    return path


def test_an_excel_export_with_times_states_and_another_currency(
    tmp_path: Path, sqlite_store: Store
):
    path = _revolut_workbook(tmp_path / "account-statement.xlsx")
    assert choose(path).name == "bank"
    summary = _import(sqlite_store, path)
    assert summary["rejected_by_reason"] == {"other_currency": 1}
    assert "USD" in summary["rejections"][0]["reason"]
    assert any("No impulse-purchase count" in n and "categories" in n for n in summary["notes"])
    timeline = sqlite_store.timeline("lee")
    assert timeline.loc[date(2026, 10, 3), "spend"] == pytest.approx(23.39)
    assert timeline.loc[date(2026, 10, 3), "transactions"] == 2
    assert timeline.loc[date(2026, 10, 4), "spend"] == 0  # declined, and money in
    assert "impulse_purchases" not in timeline.columns


def test_a_card_statement_with_positive_charges_and_a_day_first_date(
    tmp_path: Path, sqlite_store: Store
):
    path = tmp_path / "card.csv"
    path.write_text(
        "Date,Description,Amount,Category\n"
        "03/10/2026,Bookshop,12.50,Shopping\n"
        "03/10/2026,Bookshop,12.50,Shopping\n"  # the same purchase twice is two purchases
        "25/10/2026,Payment received - thank you,-300.00,Payment\n"
        '26/10/2026,Cinema,"1.020,00",Entertainment\n'
    )
    summary = _import(sqlite_store, path)
    assert any("above zero were read as money out" in n for n in summary["notes"])
    assert any("times of day" in n for n in summary["notes"])
    timeline = sqlite_store.timeline("lee")
    assert timeline.loc[date(2026, 10, 3), "spend"] == 25.0
    assert timeline.loc[date(2026, 10, 3), "spend_shopping"] == 25.0
    assert timeline.loc[date(2026, 10, 25), "spend"] == 0
    assert timeline.loc[date(2026, 10, 26), "spend_entertainment"] == 1020.0
    assert _import(sqlite_store, path)["kept"] == 0


def test_columns_named_by_the_person(tmp_path: Path, sqlite_store: Store):
    path = tmp_path / "umsaetze.csv"
    path.write_text(
        'Buchungstag,Verwendungszweck,Betrag,Kategorie\n2026-10-03,REWE,"-23,10",Lebensmittel\n'
    )
    with pytest.raises(ImportFailed, match="--columns date="):
        _import(sqlite_store, path, fmt="bank")
    roles = parse_columns("date=Buchungstag, amount=Betrag,description=Verwendungszweck")
    summary = _import(sqlite_store, path, fmt="bank", columns=roles)
    assert summary["kept"] > 0
    assert sqlite_store.timeline("lee").loc[date(2026, 10, 3), "spend"] == pytest.approx(23.1)
    with pytest.raises(ImportFailed, match="no such column"):
        _import(sqlite_store, path, fmt="bank", columns={"date": "Datum", "amount": "Betrag"})
    with pytest.raises(ValueError, match="unknown role"):
        parse_columns("when=Buchungstag")


def test_newer_openaq_columns(tmp_path: Path, sqlite_store: Store):
    path = tmp_path / "openaq.csv"
    path.write_text(
        "location_id,sensors_id,location,datetime,lat,lon,parameter,units,value\n"
        "2178,3917,Mitte,2026-10-03T10:00:00+02:00,52.5,13.4,pm25,µg/m³,10.0\n"
        "2178,3917,Mitte,2026-10-03T11:00:00+02:00,52.5,13.4,pm25,µg/m³,14.0\n"
        "2178,3918,Mitte,2026-10-03T11:00:00+02:00,52.5,13.4,pm10,ppm,0.1\n"
    )
    assert choose(path).name == "air_quality"
    summary = _import(sqlite_store, path)
    assert summary["rejected_by_reason"] == {"bad_unit": 1}
    assert sqlite_store.timeline("lee").loc[date(2026, 10, 3), "pm25"] == 12.0


# the planted effects, through the whole path -----------------------------------------------


@pytest.fixture(scope="module")
def analytics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Analytics]:
    folder = tmp_path_factory.mktemp("lifelog-demo")
    with Store.open(f"sqlite:///{folder / 'eqm.sqlite3'}") as store:
        person = DemoPerson(name="alex", files=DEMO_FILES + LIFELOG_FILES)
        import_demo_person(store, person, folder / "exports")
        yield Analytics(store)


def test_late_night_browsing_on_bad_days_is_recovered(analytics: Analytics):
    result = analytics.run(
        "alex", causal_effect, treatment="valence", outcome="late_night_browsing_minutes"
    )
    planted = LIFELOG_EFFECTS["valence_on_late_night_browsing_min"]
    assert result.effect == pytest.approx(planted, rel=0.15)
    assert all(r.passed for r in result.refutations)
    assert analytics.run("alex", correlate, x="valence", y="late_night_browsing_minutes").r < -0.7


def test_impulse_purchases_on_bad_days_are_recovered(analytics: Analytics):
    result = analytics.run("alex", causal_effect, treatment="valence", outcome="impulse_purchases")
    planted = LIFELOG_EFFECTS["valence_on_impulse_purchases"]
    assert result.ci_low <= planted <= result.ci_high and result.ci_high < 0
    assert result.effect == pytest.approx(planted, rel=0.35)


def test_the_air_is_found_to_have_nothing_to_do_with_mood(analytics: Analytics):
    result = analytics.run("alex", causal_effect, treatment="valence", outcome="pm25")
    assert result.ci_low <= LIFELOG_EFFECTS["valence_on_pm25"] <= result.ci_high
    scan = analytics.cached("alex", "scan", lambda data: correlation_scan(data.daily, top=10_000))
    mood = {"valence", "arousal"}
    found = {(p.x, p.y) for p in scan.top}
    assert ("valence", "late_night_browsing_minutes") in found or (
        "late_night_browsing_minutes",
        "valence",
    ) in found
    assert not [pair for pair in found if {"pm25", "pm10"} & set(pair) and mood & set(pair)]


# a new user, through the API ---------------------------------------------------------------


def test_a_new_user_imports_each_kind_and_asks_about_it(small, tmp_path: Path):
    _, paths = small
    settings = AgentSettings(
        data_dir=tmp_path / "data",
        model_url="http://127.0.0.1:9/v1",
        model_name="none",
        rate_limit="",
    )
    with Accounts.open(settings.resolved_database_url()) as accounts:
        key = accounts.create_user("lee")[1]
    headers = {"Authorization": f"Bearer {key}"}
    with api_server("127.0.0.1", free_port(), settings) as api:
        for path in paths:
            reply = httpx.post(
                f"{api}/imports",
                headers=headers,
                data={"timezone": TZ.key},  # late night is by the person's clock
                files={"file": (path.name, path.read_bytes())},
                timeout=120,
            )
            assert reply.status_code == 200, reply.text
            assert reply.json()["kept"] > 0
        bad = httpx.post(
            f"{api}/imports",
            headers=headers,
            data={"columns": "when=Date"},
            files={"file": (paths[1].name, paths[1].read_bytes())},
            timeout=60,
        )
        assert bad.status_code == 400 and "unknown role" in bad.json()["error"]["message"]
        listed = httpx.post(f"{api}/tools/list_metrics", headers=headers, json={}, timeout=60)
        names = {m["metric"] for m in listed.json()["result"]["metrics"]}
        assert {"late_night_browsing_minutes", "impulse_purchases", "pm25"} <= names
        stats = httpx.post(
            f"{api}/tools/correlate",
            headers=headers,
            timeout=60,
            json={"x": "late_night_browsing_minutes", "y": "distraction_ratio"},
        )
        assert stats.status_code == 200, stats.text
        assert stats.json()["result"]["r"] > 0.5


FIXTURES = Path(__file__).parent / "fixtures"


def test_a_monzo_export_by_the_documented_rules(sqlite_store: Store):
    summary = _import(sqlite_store, FIXTURES / "bank_monzo.csv")
    assert summary["notes"] == [] and summary["rejected"] == 0
    timeline = sqlite_store.timeline("lee")
    first = timeline.loc[date(2026, 10, 1)]
    assert first["spend"] == pytest.approx(3.2 + 18.4)  # not the salary, not the savings pot
    assert first["impulse_purchases"] == 1  # takeaway at 22:05; the 07:40 ticket is not
    assert first["spend_eating_out"] == pytest.approx(18.4)
    assert timeline.loc[date(2026, 10, 2), "impulse_purchases"] == 0  # groceries
    assert timeline.loc[date(2026, 10, 9), "spend"] == 0  # no payment that day
    assert timeline.loc[date(2026, 10, 14), "impulse_purchases"] == 1


def test_an_openaq_export_keeps_one_station_and_real_readings(sqlite_store: Store):
    summary = _import(sqlite_store, FIXTURES / "openaq.csv")
    assert summary["rejected_by_reason"] == {"missing_field": 1, "other_location": 1}
    assert any("o3" in note for note in summary["notes"])
    assert any("'Berlin Neukoelln'" in note for note in summary["notes"])
    day = sqlite_store.timeline("lee").loc[date(2026, 10, 1)]
    assert day["pm25"] == pytest.approx((11.2 + 13.0) / 2) and day["pm10"] == 19.0
