"""The agent's tables: accounts, keys, links, the audit log, completions, their feedback and
the feedback training jobs.

They live in the brain store's database but in their own `MetaData`, so brain's migrations
never see them; `create_tables` makes the missing ones (checkfirst) when a class opens.
Timestamps are timezone-aware UTC; `UtcDateTime` puts back the zone SQLite drops.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.exc import DBAPIError

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY columns.
_BigId = BigInteger().with_variant(Integer, "sqlite")
NAME_LENGTH = 64

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(NAME_LENGTH), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("role IN ('person', 'parent')", name="role"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    # sha256 hex of the key: the key itself is shown once and never stored
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
)

account_links = Table(
    "account_links",
    metadata,
    Column("parent_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("child_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("share_memories", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # off (NULL) unless set: from then on, the parent may learn *when* the child was given a
    # crisis answer about a risk to themselves (agent/accounts.py: Accounts.crisis_alerts)
    Column("crisis_alerts_since", DateTime(timezone=True)),
)

# names, not foreign keys: an entry says who did what even while accounts change
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(NAME_LENGTH), nullable=False, index=True),
    Column("subject", String(NAME_LENGTH), nullable=False, index=True),
    Column("action", String(64), nullable=False),
    Column("detail", JSON),
)

completions = Table(
    "completions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("asker", String(NAME_LENGTH), nullable=False, index=True),
    Column("person", String(NAME_LENGTH), nullable=False, index=True),
    Column("conversation_id", String(200)),
    Column("model", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("request", JSON, nullable=False),
    Column("tool_trace", JSON, nullable=False),
    Column("answer", Text, nullable=False),
    Column("grounded", Boolean, nullable=False),
    Column("fallback", Boolean, nullable=False),
    Column("safety", Boolean, nullable=False),
    Column("usage", JSON, nullable=False),
    Column("latency_ms", Float, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("completion_id", ForeignKey("completions.id", ondelete="CASCADE"), nullable=False),
    Column("asker", String(NAME_LENGTH), nullable=False, index=True),
    Column("rating", String(8), nullable=False),
    Column("comment", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # one rating per answer and asker: rating again replaces it
    UniqueConstraint("completion_id", "asker", name="uq_feedback_completion_asker"),
    CheckConstraint("rating IN ('up', 'down')", name="rating"),
)


# Feedback training the server found due, run by `eqm worker`. `open_slot` is true while a job
# is pending or running and NULL after: unique, so there is never more than one open job.
training_jobs = Table(
    "training_jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # the newest rating when it fell due: the next job counts new ratings from here
    Column("up_to_feedback_id", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("open_slot", Boolean, unique=True),
    Column("worker", String(200)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("candidate", String(200)),
    Column("error", Text),
    CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name="status"),
)

# columns added after their table was first released: a database made before gets them
ADDED_COLUMNS = {("account_links", "crisis_alerts_since"): "TIMESTAMP WITH TIME ZONE"}


def create_tables(engine: Engine) -> None:
    """Create whichever agent tables are missing and add `ADDED_COLUMNS` to older ones;
    existing rows are left as they are."""
    metadata.create_all(engine, checkfirst=True)
    for (table, column), definition in ADDED_COLUMNS.items():
        if column in {c["name"] for c in inspect(engine).get_columns(table)}:
            continue
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        except DBAPIError:  # another process added it first
            if column not in {c["name"] for c in inspect(engine).get_columns(table)}:
                raise


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]
