"""EQM's API server with its web app, on loopback, for tests/test_web_api.py and
tests/test_web.py: two demo people (alex, sam), a parent linked to both (jordan: alex's journal
private, sam's shared) and a parent of nobody (pat). Everything is EQM's own, the safety check
included (the classifier comes from EQM_CACHE_DIR, trained once).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.accounts import Accounts
from agent.cli.serve import api_server
from agent.config import AgentSettings
from agent.services import Services
from tests.fault_model import MODEL, faulty_model_server, import_demo_people
from training.serving import free_port


@contextmanager
def web_eqm(folder: Path, model_url: str, model_name: str) -> Iterator[dict[str, Any]]:
    """The server at `url` (its /v1 API at `api`), with `keys` by account name and `db`."""
    settings = AgentSettings(
        data_dir=folder / "data", model_url=model_url, model_name=model_name, rate_limit=""
    )
    url = settings.resolved_database_url()
    import_demo_people(url, folder, {"alex": 1, "sam": 2}, days=120)
    keys: dict[str, str] = {}
    with Accounts.open(url) as accounts:
        for name in ("alex", "sam"):
            keys[name] = accounts.create_user(name)[1]
        for name in ("jordan", "pat"):
            keys[name] = accounts.create_user(name, parent=True)[1]
        accounts.link("jordan", "alex", share_memories=False, crisis_alerts=True)
        accounts.link("jordan", "sam", share_memories=True)
    services = Services.open(settings)
    try:
        with api_server("127.0.0.1", free_port(), settings, services) as api:
            yield {
                "url": api.removesuffix("/v1"),
                "api": api,
                "keys": keys,
                "db": url,
                "settings": settings,
                "services": services,
            }
    finally:
        services.close()


@contextmanager
def web_eqm_on_fault_model(folder: Path) -> Iterator[dict[str, Any]]:
    """`web_eqm` whose model server is the fault injector: for tests that need no real model."""
    with faulty_model_server() as model, web_eqm(folder, model.url, MODEL) as env:
        yield env
