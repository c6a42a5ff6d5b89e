"""EQM's HTTP API: the OpenAI chat-completions protocol plus feedback, ingestion, export and
deletion, every route scoped to the person behind the bearer key.

    POST /v1/chat/completions   OpenAI-compatible, streaming or not; `message.eqm` carries
                                the tool trace and the grounding verdict
    GET  /v1/models             the served model versions, and the alias `eqm`
    POST /v1/feedback           thumbs up/down on one of your completions
    POST /v1/imports            an export file (multipart), size-limited and streamed
    POST /v1/events             a JSON batch of check-ins and measurements
    POST /v1/memories           a journal entry
    GET  /v1/children/{child}/crisis-alerts
                                for a parent, when a linked child was given a crisis answer
                                (only where the link shares it: `--crisis-alerts`)
    GET  /v1/me                 who the key belongs to (a parent: the linked children and
                                what each link shares)
    POST /v1/tools/{name}       one of the model's tools, run for you (or a linked child):
                                the same typed result the model reads
    GET  /v1/timeline           the last days of some daily metrics, for the app's charts
    GET  /v1/checkins           the mood check-ins of the last days, each on its quadrant
    GET  /v1/me/export          everything about you, as a zip
    DELETE /v1/me               everything about you, gone
    GET  /healthz
    GET  /                      the web app (agent/webapp.py, agent/web/)

`model: "eqm"` is the production model (EQM_MODEL_NAME); with EQM_CANDIDATE_MODEL and
EQM_CANDIDATE_SHARE set, that share of conversations goes to the candidate instead (A/B), and
each completion records which model answered. Every EQM_FEEDBACK_TRAIN_EVERY ratings
(default 200) the server records a feedback training job; `eqm worker`, a process of its own,
trains and registers a candidate; only the eval gate can promote it.

Errors use OpenAI's body, `{"error": {"message", "type", "param", "code"}}`, with a 4xx status
that says whose fault it is; the model server being down is a 503.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.accounts import Account, hash_key
from agent.config import AgentSettings
from agent.errors import (
    AgentError,
    InvalidRequest,
    ModelUnavailable,
    NotFound,
    ToolFailed,
    UploadTooLarge,
)
from agent.openai_schema import (
    ChatCompletionRequest,
    ErrorResponse,
    chunk_body,
    completion_body,
    error_body,
)
from agent.ratelimit import RateLimiter
from agent.routing import MODEL_ALIAS
from agent.services import Services
from agent.webapp import (
    TIMELINE_METRICS,
    CheckIns,
    Me,
    Timeline,
    add_web_app,
    checkins,
    timeline,
    who_am_i,
)
from brain.errors import BrainError, UnknownPerson
from brain.importers.bank import parse_columns
from brain.importers.events import EventBatch
from tools import Subject, ToolErrorResult, ToolResult, call_tool

log = logging.getLogger(__name__)

CHILD_HEADER = "X-EQM-Child"
UPLOAD_CHUNK = 1 << 20


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completion_id: str = Field(max_length=128)
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=2_000)


class JournalEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)
    at: datetime | None = None


def get_services(request: Request) -> Services:
    return request.app.state.services


def signed_in(request: Request, authorization: Annotated[str | None, Header()] = None) -> Account:
    """The account behind `Authorization: Bearer <key>`; 401 without a valid key."""
    key = None
    if authorization and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    account = get_services(request).accounts.authenticate(key)
    request.app.state.limiter.check(hash_key(key or ""))  # 429 once the key's budget is spent
    return account


ServicesDep = Annotated[Services, Depends(get_services)]
AccountDep = Annotated[Account, Depends(signed_in)]
ChildHeader = Annotated[str | None, Header(alias=CHILD_HEADER)]


def create_app(settings: AgentSettings | None = None, services: Services | None = None) -> FastAPI:
    """The API app; it opens its services on start-up (or uses `services`, for tests)."""
    settings = settings or AgentSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = services or await run_in_threadpool(Services.open, settings)
        app.state.services = opened
        try:
            yield
        finally:
            if services is None:
                opened.close()

    errors = {"model": ErrorResponse, "description": "An OpenAI-style error body"}
    app = FastAPI(
        title="EQM",
        version="0.1.0",
        lifespan=lifespan,
        responses={"4XX": errors, "5XX": errors},
    )
    app.state.limiter = RateLimiter(settings.rate_limit, settings.rate_limit_storage)
    _error_handlers(app)

    @app.middleware("http")
    async def limit_json_bodies(request: Request, call_next):
        size = request.headers.get("content-length")
        is_json = request.headers.get("content-type", "").startswith("application/json")
        if is_json and size and int(size) > settings.max_body_kb * 1024:
            return JSONResponse(
                error_body(
                    f"the request body is {int(size) // 1024} KiB; at most "
                    f"{settings.max_body_kb} KiB is accepted",
                    "invalid_request_error",
                    "body_too_large",
                ),
                status_code=413,
            )
        return await call_next(request)

    @app.get("/healthz")
    def healthz(services: ServicesDep) -> dict[str, Any]:
        try:
            models = services.router.served_models()
        except ModelUnavailable:
            models = []
        return {"status": "ok", "model_server": bool(models), "models": models}

    @app.get("/v1/models")
    def list_models(services: ServicesDep, _: AccountDep) -> dict[str, Any]:
        served = services.router.served_models()
        names = [MODEL_ALIAS, *served]
        return {
            "object": "list",
            "data": [{"id": n, "object": "model", "created": 0, "owned_by": "eqm"} for n in names],
        }

    @app.post(
        "/v1/chat/completions",
        responses={200: {"content": {"application/json": {}, "text/event-stream": {}}}},
    )
    def chat_completions(
        body: ChatCompletionRequest,
        services: ServicesDep,
        account: AccountDep,
        child: ChildHeader = None,
    ) -> Response:
        _check_messages(body, settings)
        subject = services.accounts.subject_for(account, body.child or child, action="chat")
        conversation_id = body.conversation_id or uuid.uuid4().hex
        model = services.router.resolve(body.model, f"{account.name}/{conversation_id}")
        outcome = services.chat.turn(
            subject, body.messages, model=model, conversation_id=conversation_id
        )
        if not body.stream:
            return JSONResponse(
                completion_body(
                    outcome.completion_id, outcome.model, outcome.answer, outcome.eqm, outcome.usage
                )
            )
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(_sse(outcome, include_usage), media_type="text/event-stream")

    @app.get("/v1/me")
    def me(services: ServicesDep, account: AccountDep) -> Me:
        return who_am_i(services.accounts, account)

    @app.post("/v1/tools/{name}")
    def tool(
        name: str,
        services: ServicesDep,
        account: AccountDep,
        arguments: Annotated[dict[str, Any] | None, Body()] = None,
        child: ChildHeader = None,
    ) -> ToolResult:
        """Run one of the model's tools with `arguments` (the JSON body) for you, or for the
        linked child in `X-EQM-Child` (audited as `tool`): the typed result the model reads,
        or the tool's error as an OpenAI error body (a child's private journal stays private:
        403)."""
        subject = services.accounts.subject_for(
            account, child, action="tool", detail={"tool": name}
        )
        outcome = call_tool(services.tools, subject, name, arguments or {})
        if isinstance(outcome, ToolErrorResult):
            raise ToolFailed(outcome)
        return outcome

    @app.get("/v1/timeline")
    def daily_timeline(
        services: ServicesDep,
        account: AccountDep,
        child: ChildHeader = None,
        metric: Annotated[list[str] | None, Query(max_length=8)] = None,
        days: Annotated[int, Query(ge=1, le=3660)] = 90,
    ) -> Timeline:
        """The last `days` days with data of each `metric` (default valence and arousal),
        for you or the linked child in `X-EQM-Child` (audited as `read_timeline`)."""
        subject = services.accounts.subject_for(account, child, action="read_timeline")
        wanted = list(dict.fromkeys(metric or TIMELINE_METRICS))
        return timeline(services.tools.analytics, subject.person, wanted, days)

    @app.get("/v1/checkins")
    def mood_checkins(
        services: ServicesDep,
        account: AccountDep,
        child: ChildHeader = None,
        days: Annotated[int, Query(ge=1, le=3660)] = 90,
    ) -> CheckIns:
        """The mood check-ins of the last `days` days with data, each with its circumplex
        quadrant, for you or the linked child in `X-EQM-Child` (audited as `read_checkins`)."""
        subject = services.accounts.subject_for(account, child, action="read_checkins")
        return checkins(services.tools.analytics, subject.person, days)

    @app.post("/v1/feedback")
    def feedback(body: FeedbackRequest, services: ServicesDep, account: AccountDep) -> dict:
        saved = services.completions.add_feedback(
            body.completion_id, account.name, body.rating, body.comment
        )
        services.jobs.request_if_due(services.settings.feedback_train_every)
        return {"object": "feedback", **saved.model_dump(mode="json")}

    @app.post("/v1/imports")
    def imports(
        services: ServicesDep,
        account: AccountDep,
        file: Annotated[UploadFile, File()],
        format: Annotated[str | None, Form()] = None,
        timezone: Annotated[str | None, Form()] = None,
        columns: Annotated[str | None, Form()] = None,
    ) -> dict[str, Any]:
        subject = _self_only(account)
        try:
            roles = parse_columns(columns) if columns else None
        except ValueError as e:
            raise InvalidRequest(f"columns: {e}") from None
        limit = settings.max_upload_mb * (1 << 20)
        suffix = Path(file.filename or "upload").suffix[:16]
        with tempfile.TemporaryDirectory(prefix="eqm-upload-") as folder:
            path = Path(folder) / f"{Path(file.filename or 'upload').stem[:64]}{suffix}"
            size = 0
            with path.open("wb") as out:
                while chunk := file.file.read(UPLOAD_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise UploadTooLarge(
                            f"the upload is larger than {settings.max_upload_mb} MiB "
                            "(EQM_MAX_UPLOAD_MB); nothing was imported"
                        )
                    out.write(chunk)
            summary = services.store.import_file(
                subject.person, path, fmt=format, timezone=timezone, columns=roles
            )
        memories = services.sync_memories(subject.person)
        return {**summary.model_dump(mode="json"), "memories_added": memories}

    @app.post("/v1/events")
    def events(body: EventBatch, services: ServicesDep, account: AccountDep) -> dict[str, Any]:
        subject = _self_only(account)
        summary = services.store.import_events(subject.person, body)
        memories = services.sync_memories(subject.person)
        return {**summary.model_dump(mode="json"), "memories_added": memories}

    @app.post("/v1/memories")
    def memories(body: JournalEntry, services: ServicesDep, account: AccountDep) -> dict[str, Any]:
        subject = _self_only(account)
        summary = services.store.add_journal_entry(subject.person, body.text, at=body.at)
        added = services.sync_memories(subject.person)
        return {"object": "memory", "kept": summary.kept, "memories_added": added}

    @app.get("/v1/conversations/{conversation_id}")
    def conversation(
        conversation_id: str, services: ServicesDep, account: AccountDep, child: ChildHeader = None
    ) -> dict[str, Any]:
        """A conversation's user and assistant messages, to resume it (tool traffic stays
        EQM's own). A parent reads those they had about a linked child (`X-EQM-Child`)."""
        subject = services.accounts.subject_for(account, child, action="read_conversation")
        said = [
            m
            for m in services.chat.conversation(subject.asker, subject.person, conversation_id)
            if m["role"] in ("user", "assistant") and m["content"]
        ]
        if not said:
            raise NotFound(f"no conversation {conversation_id!r} of yours")
        return {"object": "conversation", "id": conversation_id, "messages": said}

    @app.get("/v1/children/{child}/crisis-alerts")
    def crisis_alerts(child: str, services: ServicesDep, account: AccountDep) -> dict[str, Any]:
        """When a linked child was given a crisis answer, where the link shares that."""
        times = services.accounts.crisis_alerts(account, child)
        return {"object": "list", "data": [{"object": "crisis_alert", "at": t} for t in times]}

    @app.get(
        "/v1/me/export",
        response_class=Response,
        responses={200: {"content": {"application/zip": {}}, "description": "Everything kept"}},
    )
    def export(services: ServicesDep, account: AccountDep) -> Response:
        return Response(
            _export_zip(services, account.name),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="eqm-{account.name}.zip"'},
        )

    @app.delete("/v1/me")
    def delete_me(services: ServicesDep, account: AccountDep) -> dict[str, Any]:
        return {"object": "deletion", "deleted": _delete_everything(services, account.name)}

    add_web_app(app)
    return app


def _self_only(account: Account) -> Subject:
    """Writing data is for one's own timeline; a parent account holds no data of its own."""
    if account.role != "person":
        raise InvalidRequest(
            f"{account.name} is a parent account: data is imported by the person it belongs to"
        )
    return Subject.self_(account.name)


def _check_messages(body: ChatCompletionRequest, settings: AgentSettings) -> None:
    if len(body.messages) > settings.max_messages:
        raise InvalidRequest(
            f"{len(body.messages)} messages; at most {settings.max_messages} are accepted"
        )
    for index, message in enumerate(body.messages):
        if len(message.text) > settings.max_message_chars:
            raise InvalidRequest(
                f"messages[{index}] has {len(message.text)} characters; at most "
                f"{settings.max_message_chars} are accepted"
            )
    if body.messages[-1].role != "user" or not body.messages[-1].text.strip():
        raise InvalidRequest("the last message must be a non-empty user message")


def _sse(outcome: Any, include_usage: bool) -> Iterator[str]:
    """The verified answer as OpenAI chunks: the role, the text in pieces, then the finish
    with `eqm` (the answer is checked before anyone sees it, so it streams once whole)."""

    def event(body: dict[str, Any]) -> str:
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    id_, model = outcome.completion_id, outcome.model
    yield event(chunk_body(id_, model, {"role": "assistant", "content": ""}))
    words = outcome.answer.split(" ")
    for start in range(0, len(words), 8):
        piece = " ".join(words[start : start + 8])
        piece = piece if start + 8 >= len(words) else piece + " "
        yield event(chunk_body(id_, model, {"content": piece}))
    yield event(chunk_body(id_, model, {"eqm": outcome.eqm}, finish="stop"))
    if include_usage:
        yield event({**chunk_body(id_, model, {}), "choices": [], "usage": outcome.usage})
    yield "data: [DONE]\n\n"


def _export_zip(services: Services, name: str) -> bytes:
    completions = services.completions.export_person(name)
    conversations = {}
    for record in completions:
        key = f"{record['asker']}/{record['person']}/{record['conversation_id']}"
        if key not in conversations:
            conversations[key] = services.chat.conversation(
                record["asker"], record["person"], record["conversation_id"]
            )
    try:
        data: dict[str, Any] = services.store.export_person(name)
    except UnknownPerson:
        data = {}
    parts = {
        "account.json": services.accounts.export_user(name),
        "timeline.json": data,
        "completions.json": completions,
        "conversations.json": conversations,
        "exported_at.json": {"exported_at": datetime.now(UTC).isoformat()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, content in parts.items():
            archive.writestr(
                filename, json.dumps(content, ensure_ascii=False, default=str, indent=1)
            )
    return buffer.getvalue()


def _delete_everything(services: Services, name: str) -> dict[str, int]:
    """Conversations, completions, memories, the timeline, then the account itself."""
    records = services.completions.export_person(name)
    threads = {(r["asker"], r["person"], r["conversation_id"]) for r in records}
    for asker, person, conversation_id in threads:
        services.chat.forget(asker, person, {conversation_id})
    deleted = {"conversations": len(threads)}
    deleted["completions"] = services.completions.delete_person(name)
    services.tools.memories.delete_person(name)
    services.tools.analytics.forget(name)
    with contextlib.suppress(UnknownPerson):  # an account that never stored data
        deleted |= {f"timeline_{k}": v for k, v in services.store.delete_person(name).items()}
    deleted |= {f"account_{k}": v for k, v in services.accounts.delete_user(name).items()}
    return deleted


def _error_handlers(app: FastAPI) -> None:
    def reply(status: int, message: str, type_: str, code: str | None, param: str | None = None):
        return JSONResponse(error_body(message, type_, code, param), status_code=status)

    @app.exception_handler(AgentError)
    async def agent_error(_: Request, e: AgentError) -> JSONResponse:
        kind = "authentication_error" if e.status == 401 else "invalid_request_error"
        if e.status == 403:
            kind = "permission_error"
        if e.status >= 500:
            kind = "server_error"
        response = reply(e.status, e.message, kind, e.code)
        if e.retry_after is not None:
            response.headers["Retry-After"] = str(e.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, e: StarletteHTTPException) -> JSONResponse:
        """Starlette's own: no such route (404), a method the route lacks (405)."""
        code = {404: "not_found", 405: "method_not_allowed"}.get(e.status_code, "http_error")
        response = reply(e.status_code, str(e.detail), "invalid_request_error", code)
        response.headers.update(e.headers or {})
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, e: Exception) -> JSONResponse:
        """A bug, not the client's doing: the trace goes to the log (never the body, which
        could carry a person's data), the client gets an OpenAI-style 500."""
        log.exception("%s %s failed", request.method, request.url.path)
        return reply(500, "EQM failed on this request; it is logged", "server_error", "internal")

    @app.exception_handler(BrainError)
    async def brain_error(_: Request, e: BrainError) -> JSONResponse:
        status = 404 if isinstance(e, UnknownPerson) else 400
        return reply(status, str(e), "invalid_request_error", type(e).__name__)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        errors = e.errors()
        if any(err.get("type") == "json_invalid" for err in errors):
            return reply(
                400, "the request body is not valid JSON", "invalid_request_error", "json_invalid"
            )
        where = [".".join(str(p) for p in err.get("loc", ()) if p != "body") for err in errors]
        shown = zip(where[:10], errors[:10], strict=True)
        problems = "; ".join(f"{w or 'body'}: {e.get('msg')}" for w, e in shown)
        return reply(422, problems, "invalid_request_error", "invalid_value", where[0] or None)
