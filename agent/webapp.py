"""The person's and the parent's web app, served by the API server at `/`.

The app is plain ES modules in `agent/web/` (no bundler, no build step): `index.html` at `/`,
everything else under `/web/`. Its one third-party file, the uPlot charting library, is
vendored in `agent/web/vendor/` by `scripts/vendor-web.sh`. Everything the app shows comes
from the /v1 API with the signed-in key; this module holds what the app reads beside the
tools: who the key belongs to (`GET /v1/me`) and a stretch of the daily timeline
(`GET /v1/timeline`) for the mood chart.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict

from agent.accounts import Account, Accounts, Role
from agent.errors import InvalidRequest
from brain.analytics.service import Analytics
from tools import Subject, ToolContext, ToolErrorResult, ToolResult, call_tool

WEB_DIR = Path(__file__).with_name("web")
# The app loads nothing from elsewhere and runs no inline script: a browser that honours the
# policy refuses anything injected into a page that shows a person's data.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
TIMELINE_METRICS = ("valence", "arousal")


def add_web_app(app: FastAPI) -> None:
    """Serve the app: the page at `/`, its scripts, styles and vendored files at `/web/`."""

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        headers = {
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        return FileResponse(WEB_DIR / "index.html", headers=headers)

    app.mount("/web", StaticFiles(directory=WEB_DIR), name="web")


class ToolRunner:
    """Runs tools for the API's requests, which come in parallel (the dashboard asks a dozen
    at once). A tool's first run imports what its analysis needs (scikit-learn, statsmodels,
    ...); two first runs in two threads can deadlock Python's import locks, so first runs
    take turns, and a tool runs freely once it has run."""

    def __init__(self, context: ToolContext) -> None:
        self.context = context
        self._first_runs = threading.Lock()
        self._warm: set[str] = set()

    def __call__(
        self, subject: Subject, name: str, arguments: dict[str, Any]
    ) -> ToolResult | ToolErrorResult:
        if name in self._warm:
            return call_tool(self.context, subject, name, arguments)
        with self._first_runs:
            outcome = call_tool(self.context, subject, name, arguments)
            if isinstance(outcome, ToolResult):
                self._warm.add(name)
            return outcome


class LinkedChild(BaseModel):
    """One of a parent's links, with what it shares."""

    model_config = ConfigDict(frozen=True)

    name: str
    shares_memories: bool
    crisis_alerts: bool


class Me(BaseModel):
    """Who the key belongs to; a parent's linked children with what each link shares."""

    model_config = ConfigDict(frozen=True)

    object: Literal["account"] = "account"
    name: str
    role: Role
    children: list[LinkedChild]


def who_am_i(accounts: Accounts, account: Account) -> Me:
    links = accounts.children(account.name) if account.role == "parent" else []
    children = [
        LinkedChild(
            name=link.child, shares_memories=link.share_memories, crisis_alerts=link.crisis_alerts
        )
        for link in links
    ]
    return Me(name=account.name, role=account.role, children=children)


class Timeline(BaseModel):
    """The last `days` days of some daily metrics, one value (or null) per day."""

    model_config = ConfigDict(frozen=True)

    object: Literal["timeline"] = "timeline"
    days: list[str]
    metrics: dict[str, list[float | None]]


def timeline(analytics: Analytics, person: str, metrics: list[str], days: int) -> Timeline:
    """The person's last `days` days with data of `metrics` (each one of theirs)."""
    have = analytics.metrics(person)
    unknown = [m for m in metrics if m not in have]
    if unknown:
        raise InvalidRequest(
            f"{', '.join(map(repr, unknown))}: not among this person's metrics "
            f"(valid: {', '.join(have)})"
        )
    daily = analytics.data(person).daily.reindex(columns=metrics).tail(days).round(4)
    return Timeline(
        days=[day.date().isoformat() for day in daily.index],
        metrics={m: [None if pd.isna(v) else float(v) for v in daily[m]] for m in metrics},
    )
