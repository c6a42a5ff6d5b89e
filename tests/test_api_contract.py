"""EQM's HTTP contract, checked by schemathesis against EQM's own /openapi.json: whatever a
client sends, no 5xx, every 4xx an OpenAI error body, every response as documented. And
per-key rate limits: 429 with `Retry-After`, one key's budget never spent by another.

The model server is the fault injector of tests/fault_model.py in "answer" mode, so chat
turns are fast and real everywhere else (store, tools, safety check, checkpointer).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from agent.accounts import Accounts
from agent.cli.serve import api_server
from agent.config import AgentSettings
from agent.server import create_app
from tests.fault_model import MODEL, faulty_model_server, import_demo_people
from training.serving import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def eqm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A person with data, a parent linked to them, and an API server with no rate limit."""
    folder = tmp_path_factory.mktemp("contract")
    with faulty_model_server() as model:
        settings = AgentSettings(
            data_dir=folder / "data", model_url=model.url, model_name=MODEL, rate_limit=""
        )
        url = settings.resolved_database_url()
        import_demo_people(url, folder, {"alex": 5}, days=60)
        with Accounts.open(url) as accounts:
            keys = {"alex": accounts.create_user("alex")[1]}
            keys["jordan"] = accounts.create_user("jordan", parent=True)[1]
            accounts.link("jordan", "alex", share_memories=False)
        with api_server("127.0.0.1", free_port(), settings) as api:
            yield {"url": api, "keys": keys}


# The schema EQM serves at /openapi.json, read from the app itself so that the tests can be
# generated before any server runs. Deleting the account would leave every later case a 401
# (tests/test_server.py and tests/test_authorization.py test it).
schema = schemathesis.openapi.from_dict(create_app().openapi()).exclude(
    method="DELETE", path="/v1/me"
)


def openai_error_body(ctx, response, case) -> None:
    """Every 4xx and 5xx carries {"error": {"message", "type", ...}} with a message."""
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["message"] and error["type"], response.text


def call_and_validate(case, eqm, who: str | None) -> None:
    headers = {"Authorization": f"Bearer {eqm['keys'][who]}"} if who else {}
    case.call_and_validate(
        base_url=eqm["url"].removesuffix("/v1"),
        headers=headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            openai_error_body,
        ],
    )


# schemathesis' parametrization takes no pytest parameters: one test per identity.
fuzzed = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@fuzzed
def test_a_person_gets_no_5xx_and_openai_error_bodies(case, eqm):
    call_and_validate(case, eqm, "alex")


@schema.parametrize()
@fuzzed
def test_a_parent_gets_no_5xx_and_openai_error_bodies(case, eqm):
    call_and_validate(case, eqm, "jordan")


@schema.parametrize()
@fuzzed
def test_no_key_gets_no_5xx_and_openai_error_bodies(case, eqm):
    call_and_validate(case, eqm, None)


def test_a_key_over_its_budget_gets_429_with_retry_after_and_others_go_on(tmp_path):
    with faulty_model_server() as model:
        settings = AgentSettings(
            data_dir=tmp_path, model_url=model.url, model_name=MODEL, rate_limit="3/minute"
        )
        with Accounts.open(settings.resolved_database_url()) as accounts:
            alex = accounts.create_user("alex")[1]
            sam = accounts.create_user("sam")[1]
        with api_server("127.0.0.1", free_port(), settings) as api:

            def models(key: str) -> httpx.Response:
                return httpx.get(f"{api}/models", headers={"Authorization": f"Bearer {key}"})

            assert [models(alex).status_code for _ in range(3)] == [200, 200, 200]
            over = models(alex)
            assert models(sam).status_code == 200
    assert over.status_code == 429
    assert 0 < int(over.headers["Retry-After"]) <= 60
    assert over.json()["error"]["code"] == "rate_limit_exceeded"
