"""The person's and the parent's web app, served by the API server at `/`.

The app is plain ES modules in `agent/web/` (no bundler, no build step): `index.html` at `/`,
everything else under `/web/`. Its one third-party file, the uPlot charting library, is
vendored in `agent/web/vendor/` by `scripts/vendor-web.sh`. Everything the app shows comes
from the /v1 API with the signed-in key; this module holds what the app reads beside the
tools: who the key belongs to (`GET /v1/me`), a stretch of the daily timeline
(`GET /v1/timeline`) for the mood chart, and the mood check-ins on the circumplex
(`GET /v1/checkins`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict

from agent.accounts import Account, Accounts, Role
from agent.errors import InvalidRequest
from brain.analytics.service import Analytics

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


class CheckIn(BaseModel):
    """One mood check-in placed on the circumplex (quadrant null where arousal is unknown):
    its time and axes, not its words (a custom mood name is the person's own text, which a
    parent's link may not share)."""

    model_config = ConfigDict(frozen=True)

    at: str
    valence: float | None
    arousal: float | None
    quadrant: str | None


class CheckIns(BaseModel):
    """The check-ins of the last `days` days with data, and how many fell in each quadrant."""

    model_config = ConfigDict(frozen=True)

    object: Literal["list"] = "list"
    first_day: str | None
    last_day: str | None
    quadrants: dict[str, int]
    data: list[CheckIn]


def checkins(analytics: Analytics, person: str, days: int) -> CheckIns:
    """The person's check-ins over the last `days` days of their timeline, oldest first."""
    data = analytics.data(person)
    frame = data.checkins
    if data.last_day is not None and len(frame):
        frame = frame[frame["day"] > pd.Timestamp(data.last_day) - pd.Timedelta(days=days)]
    rows = [
        CheckIn(
            at=pd.Timestamp(row.at).isoformat(timespec="minutes"),
            valence=None if pd.isna(row.valence) else round(float(row.valence), 4),
            arousal=None if pd.isna(row.arousal) else round(float(row.arousal), 4),
            quadrant=row.quadrant or None,
        )
        for row in frame.itertuples(index=False)
    ]
    days_used = frame["day"]
    return CheckIns(
        first_day=days_used.min().date().isoformat() if len(frame) else None,
        last_day=days_used.max().date().isoformat() if len(frame) else None,
        quadrants={q: int(n) for q, n in frame["quadrant"].value_counts().sort_index().items()},
        data=rows,
    )
