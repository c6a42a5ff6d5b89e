"""The web app in a real browser: Debian's Chromium driven by Playwright's Python package (the
system browser through `executable_path`; browser downloads are not reachable) against a
real uvicorn server of `create_app` on loopback.

Sign in, chat (the answer streams; the fault injector answers plainly, the real default model
behind vLLM with its sources in the slow test), rate, the dashboard, a what-if slider moved
from the keyboard, an upload dropped on the page, a parent switching child, the export, and
an axe-core accessibility check (tests/vendor/axe.min.js, vendored by scripts/vendor-web.sh)
at a phone's width. Screenshots and the measured figures go to EQM_TEST_ARTIFACTS (default
`artifacts/web/`, git-ignored).

Skipped without Chromium or Playwright, unless EQM_REQUIRE_BROWSER=1 (as in CI): then a
failure.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from brain.errors import UnknownPerson
from tests.fault_model import PLAIN_ANSWER
from tests.web_env import web_eqm, web_eqm_on_fault_model

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("EQM_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("EQM_TEST_ARTIFACTS", ROOT / "artifacts")) / "web"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
PHONE = {"width": 390, "height": 844}
QUESTION = "How did I sleep over the last 30 days?"
CRISIS = "i want to end my life tonight"
# Chromium as root in a closed network: no sandbox, and none of its calls home
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIGURES: dict[str, Any] = {}


def _missing(reason: str) -> None:
    if os.environ.get("EQM_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed: bash scripts/setup.sh")
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "figures.json").write_text(json.dumps(FIGURES, indent=1))


@pytest.fixture(scope="module")
def eqm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with web_eqm_on_fault_model(tmp_path_factory.mktemp("web")) as env:
        yield env


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tab (its own sessionStorage), phone-sized; console errors fail the test."""
    context = browser.new_context(viewport=PHONE, accept_downloads=True, bypass_csp=False)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda m: m.type == "error" and errors.append(m.text))
    opened.on("pageerror", lambda e: errors.append(str(e)))
    opened.set_default_timeout(30_000)
    yield opened
    shot(opened, request.node.name)
    context.close()
    assert not [e for e in errors if "status of 4" not in e], errors  # 4xx are expected


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, eqm, who: str) -> None:
    page.goto(eqm["url"] + "/")
    page.get_by_label("API key").fill(eqm["keys"][who])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {who}").wait_for()


def tab(page, name: str) -> None:
    page.get_by_role("navigation").get_by_role("button", name=name, exact=True).click()


def axe(page, where: str) -> None:
    """axe-core's WCAG 2 A/AA rules on the page as it is: no serious or critical violation."""
    # through DevTools, not a <script> tag: the app's policy refuses inline scripts
    page.evaluate(AXE.read_text() + "\n;undefined")
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', "
        "'wcag21aa', 'best-practice']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))"
    )
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{where}: {json.dumps(bad, indent=1)}"


def test_sign_in_ask_see_the_streamed_answer_rate_it_and_resume(page, eqm):
    page.goto(eqm["url"] + "/")
    # the paint entry can come after the load event on a busy machine: wait for it
    paint = page.wait_for_function(
        "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime"
    ).json_value()
    FIGURES["first_contentful_paint_ms"] = round(paint, 1)
    axe(page, "sign-in")
    page.get_by_label("API key").fill("eqm_not-a-key")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").get_by_text("unknown or revoked").wait_for()
    sign_in(page, eqm, "alex")
    page.get_by_label("Your question").fill("Hi, what can you look at?")
    page.keyboard.press("Enter")  # Enter sends, Shift+Enter is a new line
    page.get_by_text("Answer ready.").wait_for()
    assert page.locator(".assistant .answer-text").last.inner_text() == PLAIN_ANSWER
    FIGURES["first_streamed_token_ms_fault_model"] = round(
        page.evaluate("() => performance.getEntriesByName('eqm:first-token')[0].duration"), 1
    )
    page.get_by_role("button", name="Helpful", exact=True).click()
    page.get_by_text("Thanks for rating this answer.").wait_for()
    page.get_by_label("Comment on this answer").fill("clear, thanks")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("your comment is saved").wait_for()
    feedback = eqm["services"].completions.feedback_for("alex")
    assert [(f.rating, f.comment) for f in feedback] == [("up", "clear, thanks")]
    axe(page, "chat")
    page.reload()  # the key and the conversation are kept in this tab
    page.get_by_text("Resumed your conversation (2 messages).").wait_for()
    assert page.locator(".user p").all_inner_texts() == ["Hi, what can you look at?"]
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API key").wait_for()
    assert page.evaluate("() => sessionStorage.length") == 0


def test_the_dashboard_shows_the_tools_and_a_what_if_slider_moves_the_prediction(page, eqm):
    sign_in(page, eqm, "alex")
    tab(page, "Dashboard")
    page.get_by_text("Dashboard of").wait_for(timeout=90_000)
    cards = page.locator("#cards .card")
    for title in (
        "Mood over the last 90 days",
        "What goes with your mood",
        "Mood by weekday",
        "Chronotype",
        "Unusual days lately",
        "Mood in the coming week",
    ):
        assert cards.filter(has_text=title).locator(".error").count() == 0, title
    assert page.locator("#cards canvas").count() >= 2  # the timeline and the forecast
    circle = cards.filter(has_text="Your check-ins on the mood circle")
    placed = circle.locator("svg.circumplex circle[fill-opacity]").count()
    assert placed >= 30  # one dot per check-in of the last 90 days
    counts = [int(t.split(": ")[1].split(" ")[0]) for t in circle.locator("li").all_inner_texts()]
    assert len(counts) == 4 and sum(counts) == placed  # each quadrant with its count
    assert page.locator("#cards tbody tr").filter(has_text="sleep_hours").count() == 1
    assert page.get_by_text("Social jetlag", exact=True).count() == 1
    axe(page, "dashboard")
    tab(page, "What if")
    sleep = page.get_by_label("Sleep")
    sleep.wait_for()
    page.get_by_role("heading", name="A typical day").wait_for()
    sleep.focus()
    for _ in range(4):  # an hour more sleep, from the keyboard
        page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="Predicted mood").wait_for()
    first = page.locator("#prediction").inner_text()
    assert "Valence" in first and "80% range" in first
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "before => document.querySelector('#prediction').innerText !== before", arg=first
    )
    page.keyboard.press("Home")  # no sleep at all: outside anything alex has had
    page.get_by_role("heading", name="Not simulated").wait_for()
    assert "does not extrapolate" in page.locator("#prediction").inner_text()
    axe(page, "what-if")


def test_a_file_dropped_on_the_page_is_imported_and_summarised(page, eqm):
    sign_in(page, eqm, "sam")
    tab(page, "Import")
    csv = "date,steps,sleep_hours\n2026-11-01,8042,7.5\n2026-11-02,not-a-number,7\n"
    transfer = page.evaluate_handle(
        """text => {
            const data = new DataTransfer();
            data.items.add(new File([text], 'steps.csv', {type: 'text/csv'}));
            return data;
        }""",
        csv,
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    page.get_by_text("Imported steps.csv.").wait_for()
    summary = page.locator("#import-summary").inner_text()
    assert "kept" in summary and "rejected" in summary and "Rejected, with the reasons" in summary
    assert "line 3" in summary.lower() or "2026-11-02" in summary
    axe(page, "import")


def test_a_parent_switches_child_sees_what_each_link_shares_and_exports(page, eqm):
    said = httpx.post(
        f"{eqm['api']}/chat/completions",
        headers={"Authorization": f"Bearer {eqm['keys']['alex']}"},
        json={"model": "eqm", "messages": [{"role": "user", "content": CRISIS}]},
        timeout=60,
    ).json()["choices"][0]["message"]
    assert said["eqm"]["safety"]  # alex was given the crisis answer
    sign_in(page, eqm, "jordan")
    sharing = page.locator("#sharing")
    assert "alex's journal stays private" in sharing.inner_text()
    alerts = page.locator("#alerts")
    alerts.get_by_text("alex was given a crisis answer").wait_for()
    assert alerts.locator("li time").count() >= 1 and CRISIS not in alerts.inner_text()
    assert page.get_by_role("button", name="Import").count() == 0  # a parent writes no data
    page.get_by_label("Child", exact=True).select_option("sam")
    page.get_by_text("sam shares their journal with you").wait_for()
    assert "Crisis alerts are off for this link." in sharing.inner_text()
    assert alerts.inner_text() == ""
    tab(page, "Dashboard")
    page.get_by_text("Dashboard of").wait_for(timeout=90_000)
    assert page.locator("#cards .error").count() == 0
    axe(page, "parent dashboard")
    tab(page, "My data")
    with page.expect_download() as started:
        page.get_by_role("button", name="Download my data").click()
    download = started.value
    assert download.suggested_filename == "eqm-jordan.zip"
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    assert "account.json" in archive.namelist()
    account = json.loads(archive.read("account.json"))
    assert account["account"]["name"] == "jordan"
    page.get_by_role("button", name="Delete my account…").click()
    page.get_by_role("button", name="Cancel").click()  # the confirmation guards it
    assert page.get_by_text("Signed in as jordan").is_visible()


def test_deleting_my_account_after_the_confirmation_removes_it_and_signs_out(page, eqm):
    services = eqm["services"]
    _, key = services.accounts.create_user("casey")
    upload = httpx.post(
        f"{eqm['api']}/imports",
        headers={"Authorization": f"Bearer {key}"},
        files={"file": ("days.csv", "date,steps\n2026-11-01,8042\n2026-11-02,9120\n")},
        timeout=60,
    )
    assert upload.status_code == 200, upload.text
    assert len(services.store.export_person("casey")["raw_records"]) == 2
    page.goto(eqm["url"] + "/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as casey").wait_for()
    tab(page, "My data")
    page.get_by_role("button", name="Delete my account…").click()
    page.get_by_role("button", name="Delete everything").click()
    page.get_by_label("API key").wait_for()  # signed out, back at the sign-in form
    assert page.evaluate("() => sessionStorage.length") == 0
    with pytest.raises(UnknownPerson):
        services.store.person("casey")
    gone = httpx.get(f"{eqm['api']}/me", headers={"Authorization": f"Bearer {key}"})
    assert gone.status_code == 401


def test_the_shipped_assets_are_small():
    web = ROOT / "agent" / "web"
    files = sorted(
        p for p in web.rglob("*") if p.is_file() and p.suffix in {".html", ".js", ".css"}
    )
    raw = sum(p.stat().st_size for p in files)
    zipped = sum(len(gzip.compress(p.read_bytes())) for p in files)
    FIGURES["assets"] = {"files": len(files), "bytes": raw, "gzip_bytes": zipped}
    assert zipped < 100_000, FIGURES["assets"]


@pytest.fixture(scope="module")
def eqm_served(served_default_model, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The same app against EQM's default model behind vLLM."""
    with web_eqm(
        tmp_path_factory.mktemp("web-served"),
        served_default_model.url,
        served_default_model.config.name,
    ) as env:
        yield env


def test_a_real_answer_streams_with_its_sources(page, eqm_served):
    sign_in(page, eqm_served, "alex")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Ask").click()
    page.get_by_text("Answer ready.").wait_for(timeout=180_000)
    sources = page.locator(".sources li")
    assert sources.count() >= 1 and "(" in sources.first.inner_text()
    days = r"Data from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d:"  # the days a call read
    assert any(re.search(days, source) for source in sources.all_inner_texts())
    first_token = page.evaluate(
        "() => performance.getEntriesByName('eqm:first-token')[0]?.duration"
    )
    answer = page.evaluate("() => performance.getEntriesByName('eqm:answer')[0]?.duration")
    FIGURES["first_streamed_token_ms"] = round(first_token, 1)
    FIGURES["whole_answer_ms"] = round(answer, 1)
    page.get_by_role("button", name="Not helpful").click()
    page.get_by_text("Thanks for rating this answer.").wait_for()
    axe(page, "chat with sources")
