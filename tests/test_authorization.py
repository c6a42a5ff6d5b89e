"""The authorization matrix over every route: person A (alex), person B (sam), a parent of A
who may see A's memories (jordan) and one who may not (pat), a parent of nobody (kim), no
key, a wrong key, a revoked key and a deleted account's key. Nobody reads or writes another
person's data, and every access to another person's data is in the audit log.

The tool layer's side of the matrix is in tests/test_tools.py. The model server is the
fault injector of tests/fault_model.py answering plainly, so a chat turn is quick.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agent.accounts import Accounts
from agent.cli.serve import api_server
from agent.config import AgentSettings
from tests.fault_model import MODEL, faulty_model_server, import_demo_people
from training.serving import free_port

pytestmark = pytest.mark.slow

PEOPLE = ("alex", "sam")
PARENTS = ("jordan", "pat", "kim")
NOBODY = ("none", "wrong", "revoked", "deleted")
STEPS_EVENT = {"kind": "measurement", "metric": "steps", "value": 8042, "day": "2026-10-30"}


@pytest.fixture(scope="module")
def eqm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("authz")
    with faulty_model_server() as model:
        settings = AgentSettings(
            data_dir=folder / "data", model_url=model.url, model_name=MODEL, rate_limit=""
        )
        url = settings.resolved_database_url()
        import_demo_people(url, folder, {"alex": 1, "sam": 2}, days=45)
        keys: dict[str, str | None] = {"none": None, "wrong": "eqm_" + "0" * 40}
        with Accounts.open(url) as accounts:
            for name in (*PEOPLE, "gone", "revoked"):
                keys[name] = accounts.create_user(name)[1]
            for name in PARENTS:
                keys[name] = accounts.create_user(name, parent=True)[1]
            accounts.link("jordan", "alex", share_memories=True, crisis_alerts=True)
            accounts.link("pat", "alex", share_memories=False)
            accounts.revoke_keys("revoked")
        with api_server("127.0.0.1", free_port(), settings) as api:
            request("DELETE", api, "/me", keys["gone"])
            keys["deleted"] = keys.pop("gone")
            yield {"url": api, "keys": keys, "db": url}


def request(method: str, api: str, path: str, key: str | None, **kwargs: Any) -> httpx.Response:
    headers = kwargs.pop("headers", {})
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.request(method, f"{api}{path}", headers=headers, timeout=60, **kwargs)


def call(eqm: dict[str, Any], who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return request(method, eqm["url"], path, eqm["keys"][who], **kwargs)


def chat(eqm, who: str, child: str | None = None, conversation_id: str | None = None):
    body: dict[str, Any] = {"model": "eqm", "messages": [{"role": "user", "content": "Hi"}]}
    if conversation_id:
        body["conversation_id"] = conversation_id
    headers = {"X-EQM-Child": child} if child else {}
    return call(eqm, who, "POST", "/chat/completions", json=body, headers=headers)


def assert_status(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.json()["error"]["message"]


ROUTES = [
    ("GET", "/models", {}),
    ("POST", "/chat/completions", {"json": {"model": "eqm", "messages": []}}),
    ("POST", "/feedback", {"json": {"completion_id": "x", "rating": "up"}}),
    ("POST", "/imports", {"files": {"file": ("a.csv", b"date\n")}}),
    ("POST", "/events", {"json": {"events": [STEPS_EVENT]}}),
    ("POST", "/memories", {"json": {"text": "a day"}}),
    ("GET", "/conversations/x", {}),
    ("GET", "/children/alex/crisis-alerts", {}),
    ("GET", "/me", {}),
    ("POST", "/tools/list_metrics", {"json": {}}),
    ("GET", "/timeline", {}),
    ("GET", "/checkins", {}),
    ("GET", "/me/export", {}),
    ("DELETE", "/me", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), ROUTES)
@pytest.mark.parametrize("who", NOBODY)
def test_without_a_live_key_every_route_is_401(eqm, who, method, path, kwargs):
    assert_status(call(eqm, who, method, path, **kwargs), 401)


def test_every_route_is_in_the_matrix(eqm):
    spec = httpx.get(eqm["url"].removesuffix("/v1") + "/openapi.json").json()
    documented = {
        (method.upper(), path.removeprefix("/v1").replace("{conversation_id}", "x"))
        for path, methods in spec["paths"].items()
        if path.startswith("/v1/")
        for method in methods
    }
    documented = {
        (m, p.replace("{child}", "alex").replace("{name}", "list_metrics")) for m, p in documented
    }
    assert documented == {(method, path) for method, path, _ in ROUTES}


@pytest.mark.parametrize(
    ("who", "child", "status"),
    [
        ("alex", None, 200),
        ("sam", None, 200),
        ("alex", "sam", 403),  # a person cannot ask about anyone else
        ("jordan", "alex", 200),
        ("pat", "alex", 200),
        ("jordan", "sam", 403),
        ("kim", "alex", 403),
        ("jordan", None, 400),  # a parent must choose a child
        ("jordan", "nobody-here", 403),  # unknown and unlinked children look the same
    ],
)
def test_chat_reaches_only_ones_own_or_a_linked_childs_data(eqm, who, child, status):
    assert_status(chat(eqm, who, child), status)


def test_conversations_and_completions_belong_to_their_asker(eqm):
    mine = chat(eqm, "alex").json()
    conversation = mine["choices"][0]["message"]["eqm"]["conversation_id"]
    assert_status(call(eqm, "alex", "GET", f"/conversations/{conversation}"), 200)
    assert_status(call(eqm, "sam", "GET", f"/conversations/{conversation}"), 404)
    assert_status(call(eqm, "kim", "GET", f"/conversations/{conversation}"), 400)  # no child
    # the same conversation id names a new thread of sam's, not alex's
    assert chat(eqm, "sam", conversation_id=conversation).status_code == 200
    asked = call(
        eqm, "jordan", "GET", f"/conversations/{conversation}", headers={"X-EQM-Child": "alex"}
    )
    assert_status(asked, 404)  # a parent's own threads about alex, not alex's
    kept = call(eqm, "alex", "GET", f"/conversations/{conversation}").json()["messages"]
    assert [m["content"] for m in kept if m["role"] == "user"] == ["Hi"]
    rating = {"completion_id": mine["id"], "rating": "down"}
    for other in ("sam", "jordan"):
        assert_status(call(eqm, other, "POST", "/feedback", json=rating), 404)
    assert_status(call(eqm, "alex", "POST", "/feedback", json=rating), 200)


@pytest.mark.parametrize("who", PARENTS)
@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/imports", {"files": {"file": ("a.csv", b"date,steps\n2026-01-01,100\n")}}),
        ("/events", {"json": {"events": [STEPS_EVENT]}}),
        ("/memories", {"json": {"text": "a day"}}),
    ],
)
def test_a_parent_writes_no_data_not_even_a_childs(eqm, who, path, kwargs):
    headers = {"X-EQM-Child": "alex"}
    assert_status(call(eqm, who, "POST", path, headers=headers, **kwargs), 400)


def test_crisis_alerts_only_for_a_linked_parent(eqm):
    assert_status(call(eqm, "jordan", "GET", "/children/alex/crisis-alerts"), 200)
    for who in ("kim", "pat", "alex", "sam"):  # pat's link does not share alerts
        assert_status(call(eqm, who, "GET", "/children/alex/crisis-alerts"), 403)
    assert_status(call(eqm, "jordan", "GET", "/children/sam/crisis-alerts"), 403)


def test_an_export_holds_the_askers_data_only(eqm):
    archive = zipfile.ZipFile(io.BytesIO(call(eqm, "sam", "GET", "/me/export").content))
    everything = " ".join(archive.read(name).decode() for name in archive.namelist())
    assert '"sam"' in everything and "alex" not in everything
    parent = zipfile.ZipFile(io.BytesIO(call(eqm, "kim", "GET", "/me/export").content))
    timeline = json.loads(parent.read("timeline.json"))
    assert timeline == {}


def test_every_parent_access_to_a_childs_data_is_audited(eqm):
    child = {"X-EQM-Child": "alex"}
    reads = [
        lambda: chat(eqm, "pat", "alex"),
        lambda: call(eqm, "pat", "POST", "/tools/list_metrics", json={}, headers=child),
        lambda: call(eqm, "pat", "GET", "/timeline", headers=child),
        lambda: call(eqm, "pat", "GET", "/checkins", headers=child),
    ]
    for read in reads:
        with Accounts.open(eqm["db"]) as accounts:
            before = len(accounts.audit_entries("alex"))
            assert read().status_code == 200
            entries = accounts.audit_entries("alex")
        assert len(entries) == before + 1
        last = entries[-1]
        assert (last.actor, last.subject) == ("pat", "alex")


def test_a_deleted_account_leaves_nothing_to_sign_in_with(eqm):
    with Accounts.open(eqm["db"]) as accounts:
        assert "gone" not in {account.name for account in accounts.users()}


def test_no_key_reaches_any_log(eqm, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    for who in ("alex", "jordan", "wrong", "revoked", "deleted"):
        chat(eqm, who, "alex" if who == "jordan" else None)
    call(eqm, "alex", "POST", "/imports", files={"file": ("x.csv", b"not,an\nexport")})
    assert caplog.records, "the server logged nothing at all: the check would be empty"
    for key in filter(None, eqm["keys"].values()):
        assert key not in caplog.text and key[8:] not in caplog.text
