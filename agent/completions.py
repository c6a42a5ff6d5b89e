"""The record of every answer: what was asked, which tools ran, what was said, and feedback.

Each completion is kept whole (prompt messages, tool trace, answer, flags, usage, latency)
so that feedback can later become training data and an answer can always be explained.
Only the one who asked can rate an answer; rating it again replaces the earlier rating.
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from agent.errors import Conflict, InvalidRequest, NotFound
from agent.tables import UtcDateTime, completions, create_tables, feedback, now
from brain.config import Settings
from brain.store.database import connect
from tools import ToolCall

Rating = Literal["up", "down"]
MAX_COMMENT = 2_000


def new_completion_id() -> str:
    """An OpenAI-style id: `chatcmpl-` and 24 random hex digits."""
    return f"chatcmpl-{secrets.token_hex(12)}"


class CompletionRecord(BaseModel):
    """One answer, whole: enough to explain it later and to train on its feedback."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(default_factory=new_completion_id, min_length=1, max_length=64)
    asker: str
    person: str
    conversation_id: str | None = None
    model: str
    created_at: UtcDateTime = Field(default_factory=now)
    request: list[dict[str, Any]] = Field(description="The full prompt messages.")
    tool_trace: list[ToolCall] = Field(default_factory=list)
    answer: str
    grounded: bool = Field(description="Every number in the answer came from a tool result.")
    fallback: bool = Field(default=False, description="A canned answer replaced the model's.")
    safety: bool = Field(default=False, description="The safety path answered.")
    usage: dict[str, Any] = Field(default_factory=dict)
    latency_ms: float = Field(ge=0)


class Feedback(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    completion_id: str
    asker: str
    rating: Rating
    comment: str | None
    created_at: UtcDateTime


class CompletionLog:
    """The completion tables in the store's database. Open them with `CompletionLog.open()`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine)

    @classmethod
    def open(cls, url: str | None = None) -> CompletionLog:
        """The log at `url`, or in the database the EQM_* settings name."""
        return cls(connect(url or Settings().resolved_database_url()))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> CompletionLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def record(self, completion: CompletionRecord) -> None:
        """Keep one answer; an id that is already kept is a Conflict."""
        try:
            with self.engine.begin() as connection:
                values = {**completion.model_dump(mode="json"), "created_at": completion.created_at}
                connection.execute(insert(completions).values(**values))
        except IntegrityError:
            raise Conflict(f"a completion with id {completion.id!r} is already recorded") from None

    def get(self, completion_id: str, *, asker: str | None = None) -> CompletionRecord:
        """The answer with this id; with `asker`, only if that one asked it (else NotFound)."""
        with self.engine.connect() as connection:
            row = (
                connection.execute(select(completions).where(completions.c.id == completion_id))
                .mappings()
                .first()
            )
        if row is None or (asker is not None and row["asker"] != asker):
            raise NotFound(
                f"no completion {completion_id!r}" + (f" asked by {asker!r}" if asker else "")
            )
        return CompletionRecord(**row)

    def add_feedback(
        self, completion_id: str, asker: str, rating: str, comment: str | None = None
    ) -> Feedback:
        """Rate an answer the asker got; a second rating of the same answer replaces the first.

        An unknown id and someone else's answer are the same NotFound, so ids cannot be probed.
        """
        if rating not in ("up", "down"):
            raise InvalidRequest(f"rating must be 'up' or 'down', not {str(rating)[:20]!r}")
        if comment is not None and len(comment) > MAX_COMMENT:
            raise InvalidRequest(
                f"the comment has {len(comment)} characters; at most {MAX_COMMENT} are kept"
            )
        values = {"rating": rating, "comment": comment or None, "created_at": now()}
        f = feedback.c
        with self.engine.begin() as connection:
            owner = connection.execute(
                select(completions.c.asker).where(completions.c.id == completion_id)
            ).scalar()
            if owner is None or owner != asker:
                raise NotFound(f"no completion {completion_id!r} asked by {asker!r} to rate")
            mine = (f.completion_id == completion_id) & (f.asker == asker)
            if connection.execute(select(f.id).where(mine)).first():
                connection.execute(update(feedback).where(mine).values(**values))
            else:
                connection.execute(
                    insert(feedback).values(completion_id=completion_id, asker=asker, **values)
                )
            row = connection.execute(select(feedback).where(mine)).mappings().one()
        return Feedback(**row)

    def feedback_for(self, person: str) -> list[Feedback]:
        """Ratings of answers the person asked or that were about them, oldest first."""
        with self.engine.connect() as connection:
            return self._feedback(connection, person)

    def rated(self, model: str | None = None) -> list[tuple[CompletionRecord, Feedback]]:
        """Every rated answer with its rating, oldest rating first; with `model`, only the
        answers that model version gave. Ratings whose answer is gone are not here (see
        `orphaned_feedback`)."""
        chosen = completions.c.id.in_(select(feedback.c.completion_id))
        if model is not None:
            chosen &= completions.c.model == model
        with self.engine.connect() as connection:
            records = {
                row["id"]: CompletionRecord(**row)
                for row in connection.execute(select(completions).where(chosen)).mappings()
            }
            ratings = connection.execute(
                select(feedback)
                .where(feedback.c.completion_id.in_(select(completions.c.id).where(chosen)))
                .order_by(feedback.c.id)
            ).mappings()
            return [(records[row["completion_id"]], Feedback(**row)) for row in ratings]

    def orphaned_feedback(self) -> list[Feedback]:
        """Ratings whose answer is no longer kept (none while foreign keys are enforced)."""
        known = select(completions.c.id)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(feedback)
                .where(feedback.c.completion_id.not_in(known))
                .order_by(feedback.c.id)
            ).mappings()
            return [Feedback(**row) for row in rows]

    def feedback_count(self) -> int:
        """How many ratings there are (a re-rating replaces one)."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(feedback)).scalar_one()

    def delete_person(self, name: str) -> int:
        """Remove every completion the name asked or was about, and their feedback, all or
        nothing; returns how many completions went."""
        with self.engine.begin() as connection:
            ids = select(completions.c.id).where(_involves(name))
            connection.execute(
                delete(feedback).where(
                    or_(feedback.c.completion_id.in_(ids), feedback.c.asker == name)
                )
            )
            return connection.execute(delete(completions).where(_involves(name))).rowcount

    def export_person(self, name: str) -> list[dict[str, Any]]:
        """Every completion the name asked or was about, each with its feedback, as JSON data."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(completions)
                .where(_involves(name))
                .order_by(completions.c.created_at, completions.c.id)
            ).mappings()
            records = [CompletionRecord(**row) for row in rows]
            ratings: dict[str, list[dict[str, Any]]] = {}
            for item in self._feedback(connection, name):
                ratings.setdefault(item.completion_id, []).append(item.model_dump(mode="json"))
        return [
            {**record.model_dump(mode="json"), "feedback": ratings.get(record.id, [])}
            for record in records
        ]

    @staticmethod
    def _feedback(connection: Connection, person: str) -> list[Feedback]:
        rows = connection.execute(
            select(feedback)
            .join(completions, completions.c.id == feedback.c.completion_id)
            .where(_involves(person))
            .order_by(feedback.c.id)
        ).mappings()
        return [Feedback(**row) for row in rows]


def _involves(name: str) -> ColumnElement[bool]:
    return or_(completions.c.asker == name, completions.c.person == name)


__all__ = [
    "MAX_COMMENT",
    "CompletionLog",
    "CompletionRecord",
    "Feedback",
    "Rating",
    "new_completion_id",
]
