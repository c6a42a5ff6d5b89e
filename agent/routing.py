"""Which served model answers a request: `eqm` means production, or, for an A/B share of
conversations, the candidate.

With EQM_CANDIDATE_MODEL and EQM_CANDIDATE_SHARE set, that share of conversations goes to the
candidate (served by EQM_CANDIDATE_URL, or by the production model server, e.g. as a LoRA
adapter). Requests are routed by a hash of the asker and the conversation id (the server
makes one for a new conversation), so a conversation stays on the model it started with.
Each completion records the model that answered, which `eqm feedback stats` compares.
"""

from __future__ import annotations

import hashlib
import logging

import httpx

from agent.config import AgentSettings
from agent.errors import ModelUnavailable, NotFound

__all__ = ["MODEL_ALIAS", "ModelRouter", "bucket"]

log = logging.getLogger(__name__)

MODEL_ALIAS = "eqm"


def bucket(route_key: str) -> float:
    """A number in [0, 1), the same for the same key, spread evenly over keys."""
    digest = hashlib.sha256(route_key.encode()).digest()
    return int.from_bytes(digest[:4], "big") / (1 << 32)


class ModelRouter:
    """Asks the model servers what they serve, each time (they may be restarted)."""

    def __init__(self, settings: AgentSettings) -> None:
        self.settings = settings

    def served_models(self) -> list[str]:
        """The production server's models; a candidate with a server of its own
        (EQM_CANDIDATE_URL) counts only while that server lists it."""
        settings = self.settings
        served = _listed(settings.model_url)
        if served is None:
            raise ModelUnavailable(f"the model server at {settings.model_url} did not answer")
        candidate, elsewhere = settings.candidate_model, settings.candidate_url
        if candidate and elsewhere and elsewhere != settings.model_url:
            served = [m for m in served if m != candidate]
            if candidate in (_listed(elsewhere) or []):
                served.append(candidate)
        return served

    def resolve(self, requested: str, route_key: str = "") -> str:
        """The served model for a request's `model`; `route_key` keeps a conversation on
        one side of the A/B split."""
        served = self.served_models()
        if requested == MODEL_ALIAS:
            candidate = self.settings.candidate_model
            if candidate in served and bucket(route_key) < self.settings.candidate_share:
                return candidate
            name = self.settings.model_name or (served[0] if served else None)
            if name is None or name not in served:
                raise ModelUnavailable(f"the production model {name!r} is not being served")
            return name
        if requested not in served:
            raise NotFound(
                f"the model {requested!r} does not exist: use {MODEL_ALIAS!r} or one of {served}"
            )
        return requested


def _listed(url: str) -> list[str] | None:
    """The model ids an OpenAI-compatible server lists; None when it does not answer."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/models", timeout=5)
        response.raise_for_status()
        return [m["id"] for m in response.json()["data"]]
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as e:
        log.warning("the model server at %s did not answer: %s", url, e)
        return None
