"""What the web app reads beside chat: `GET /v1/me`, the tools through `POST /v1/tools/{name}`
(scoped and audited as chat is; a child's private journal stays private), `GET /v1/timeline`
and `GET /v1/checkins`, plus the app's page itself at `/`. A real server on loopback; no chat
turn runs, so the model server is the fault injector, never called."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from agent.accounts import Accounts
from brain.affect import quadrant_of
from tests.web_env import web_eqm_on_fault_model
from tools.registry import TOOLS, openai_tools

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def eqm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with web_eqm_on_fault_model(tmp_path_factory.mktemp("web-api")) as env:
        yield env


def call(eqm, who: str, method: str, path: str, child: str | None = None, **kwargs: Any):
    headers = {"Authorization": f"Bearer {eqm['keys'][who]}", **kwargs.pop("headers", {})}
    if child:
        headers["X-EQM-Child"] = child
    return httpx.request(method, f"{eqm['api']}{path}", headers=headers, timeout=60, **kwargs)


def tool(eqm, who: str, name: str, arguments: Any = None, child: str | None = None, **kwargs):
    body = {"json": arguments} if arguments is not None else kwargs
    return call(eqm, who, "POST", f"/tools/{name}", child, **body)


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"] and body["error"]["type"]
    return body["error"]


def test_me_says_who_the_key_belongs_to_and_what_each_link_shares(eqm):
    assert call(eqm, "alex", "GET", "/me").json() == {
        "object": "account",
        "name": "alex",
        "role": "person",
        "children": [],
    }
    assert call(eqm, "jordan", "GET", "/me").json()["children"] == [
        {"name": "alex", "shares_memories": False, "crisis_alerts": True},
        {"name": "sam", "shares_memories": True, "crisis_alerts": False},
    ]
    assert call(eqm, "pat", "GET", "/me").json()["children"] == []
    assert httpx.get(f"{eqm['api']}/me").status_code == 401


def test_a_person_runs_a_tool_and_gets_the_result_the_model_reads(eqm):
    response = tool(eqm, "alex", "stats_lookup", {"metric": "sleep_hours", "last_days": 14})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["tool"] == "stats_lookup" and result["summary"]
    assert result["arguments"] == {"metric": "sleep_hours", "last_days": 14, "days": "all"}
    assert result["result"]["n"] > 0 and result["first_day"] and result["last_day"]
    again = tool(eqm, "alex", "stats_lookup", {"metric": "sleep_hours", "last_days": 14})
    assert again.json() == result  # deterministic, as for the model
    assert tool(eqm, "alex", "list_metrics").json()["tool"] == "list_metrics"  # no body: {}


def test_a_what_if_outside_the_persons_days_is_refused_not_guessed(eqm):
    fine = tool(eqm, "alex", "simulate", {"changes": {"sleep_hours": 7.5}}).json()
    assert fine["result"]["refused"] is False and fine["result"]["valence_range"]
    refused = tool(eqm, "alex", "simulate", {"changes": {"sleep_hours": 30}}).json()
    assert refused["result"]["refused"] is True and "Refused sleep_hours" in str(refused)


@pytest.mark.parametrize(
    ("name", "arguments", "status", "code", "words"),
    [
        ("no_such_tool", {}, 404, "unknown_tool", "valid: anomalies"),
        (
            "stats_lookup",
            {"metric": "sleep_hours", "last_dayz": 3},
            422,
            "invalid_arguments",
            "last_dayz",
        ),
        ("stats_lookup", {"metric": "happiness"}, 422, "invalid_arguments", "'happiness'"),
        (
            "stats_lookup",
            {"metric": "steps", "last_days": 0},
            422,
            "invalid_arguments",
            "last_days",
        ),
        ("simulate", {"changes": {}}, 422, "invalid_arguments", "changes"),
        ("forecast", {"metric": "steps", "horizon": "soon"}, 422, "invalid_arguments", "horizon"),
    ],
)
def test_bad_tool_calls_get_a_precise_openai_error(eqm, name, arguments, status, code, words):
    found = error(tool(eqm, "alex", name, arguments), status)
    assert found["code"] == code and words in found["message"]


def test_a_tool_that_fails_unexpectedly_is_a_503_without_a_trace(eqm, monkeypatch):
    def fails(*_: Any) -> None:
        raise RuntimeError("secret internals")

    openai_tools([])  # the tools register on first use
    monkeypatch.setitem(TOOLS, "chronotype", replace(TOOLS["chronotype"], run=fails))
    found = error(tool(eqm, "alex", "chronotype", {}), 503)
    assert found["code"] == "internal" and "chronotype failed unexpectedly" in found["message"]
    assert "secret" not in found["message"] and "Traceback" not in found["message"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 422, "dict"),
        (b'"steps"', 422, "dict"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400_or_422(eqm, body, status, words):
    response = tool(
        eqm, "alex", "stats_lookup", content=body, headers={"Content-Type": "application/json"}
    )
    assert words in error(response, status)["message"]


@pytest.mark.parametrize(
    ("who", "child", "status"),
    [
        ("alex", "sam", 403),  # a person asks about nobody else
        ("jordan", None, 400),  # a parent must choose a child
        ("jordan", "alex", 200),
        ("jordan", "sam", 200),
        ("pat", "alex", 403),  # not linked
        ("jordan", "nobody-here", 403),  # unknown and unlinked look the same
    ],
)
def test_tools_are_scoped_exactly_like_chat(eqm, who, child, status):
    response = tool(eqm, who, "stats_lookup", {"metric": "steps"}, child=child)
    assert response.status_code == status, response.text


def test_a_parents_tool_call_is_audited_and_reads_the_childs_data(eqm):
    with Accounts.open(eqm["db"]) as accounts:
        before = len(accounts.audit_entries("alex"))
        asked = tool(eqm, "jordan", "list_metrics", child="alex")
        entries = accounts.audit_entries("alex")
    assert asked.status_code == 200
    assert tool(eqm, "alex", "list_metrics").json() == asked.json()
    assert len(entries) == before + 1
    last = entries[-1]
    assert (last.actor, last.subject, last.action) == ("jordan", "alex", "tool")
    assert last.detail == {"tool": "list_metrics"}


def test_a_childs_private_journal_never_reaches_a_parent(eqm):
    private = error(
        tool(eqm, "jordan", "search_memories", {"query": "a long walk"}, child="alex"), 403
    )
    assert private["code"] == "not_allowed" and "private" in private["message"]
    shared = tool(eqm, "jordan", "search_memories", {"query": "a long walk"}, child="sam")
    assert shared.status_code == 200, shared.text
    assert shared.json()["result"]["count"] == len(shared.json()["result"]["memories"])


def test_the_timeline_gives_daily_values_scoped_like_the_tools(eqm):
    mine = call(eqm, "alex", "GET", "/timeline", params={"days": 30}).json()
    assert len(mine["days"]) == 30 and set(mine["metrics"]) == {"valence", "arousal"}
    assert all(v is None or -1 <= v <= 1 for v in mine["metrics"]["valence"])
    as_parent = call(eqm, "jordan", "GET", "/timeline", "alex", params={"days": 30}).json()
    assert as_parent == mine
    steps = call(eqm, "sam", "GET", "/timeline", params={"metric": "steps", "days": 7}).json()
    assert list(steps["metrics"]) == ["steps"]
    unknown = error(call(eqm, "alex", "GET", "/timeline", params={"metric": "joy"}), 400)
    assert "'joy'" in unknown["message"] and "valence" in unknown["message"]
    assert call(eqm, "pat", "GET", "/timeline", "alex").status_code == 403


def test_checkins_come_with_their_quadrant_and_are_scoped_like_the_tools(eqm):
    mine = call(eqm, "alex", "GET", "/checkins", params={"days": 30}).json()
    placed = [c for c in mine["data"] if c["quadrant"]]
    assert len(placed) >= 20  # the demo person checks in most days
    assert all(c["quadrant"] == quadrant_of(c["valence"], c["arousal"]) for c in placed)
    assert mine["quadrants"] == dict(sorted(Counter(c["quadrant"] for c in placed).items()))
    days = sorted({c["at"][:10] for c in mine["data"]})
    assert (mine["first_day"], mine["last_day"]) == (days[0], days[-1])
    assert date.fromisoformat(days[-1]) - date.fromisoformat(days[0]) < timedelta(days=30)
    longer = call(eqm, "alex", "GET", "/checkins", params={"days": 90}).json()
    assert len(longer["data"]) > len(mine["data"])
    assert longer["data"][-len(mine["data"]) :] == mine["data"]
    with Accounts.open(eqm["db"]) as accounts:
        assert call(eqm, "jordan", "GET", "/checkins", "alex", params={"days": 30}).json() == mine
        last = accounts.audit_entries("alex")[-1]
    assert (last.actor, last.subject, last.action) == ("jordan", "alex", "read_checkins")
    assert call(eqm, "pat", "GET", "/checkins", "alex").status_code == 403
    no_days = call(eqm, "alex", "GET", "/checkins", params={"days": 0})
    assert "days" in error(no_days, 422)["message"]


def test_the_app_is_served_at_the_root_and_the_api_keeps_its_errors(eqm):
    page = httpx.get(f"{eqm['url']}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="web/app.js" type="module">' in page.text
    script = httpx.get(f"{eqm['url']}/web/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert httpx.get(f"{eqm['url']}/web/vendor/uPlot.iife.min.js").status_code == 200
    missing = httpx.get(f"{eqm['api']}/no-such-route")
    assert error(missing, 404)["code"] == "not_found"
    assert error(httpx.get(f"{eqm['url']}/web/nothing.js"), 404)["code"] == "not_found"
