"""The tables: append-only raw records per person, and the timeline derived from them.

Timestamps are stored as UTC epoch seconds plus the UTC offset they were recorded with, so
the original local time is exact and the columns mean the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY columns.
_BigId = BigInteger().with_variant(Integer, "sqlite")

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # bumped by every import that changed something: analytics caches key on it
    Column("data_version", Integer, nullable=False, server_default="0"),
)

imports = Table(
    "imports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("format", String(32), nullable=False),
    Column("filename", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("summary", JSON, nullable=False),
)

raw_records = Table(
    "raw_records",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    # no index: only the rare undo of an import looks records up by it
    Column("import_id", ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
    # a 16-byte hash of what the record says (not where it came from): re-imports add nothing
    Column("record_key", LargeBinary(16), nullable=False),
    Column("source", String(32), nullable=False),
    Column("device", String(200), nullable=False),
    Column("metric", String(100), nullable=False),
    Column("day", Date, nullable=False),
    Column("start_utc", BigInteger),
    Column("end_utc", BigInteger),
    Column("utc_offset_min", SmallInteger),
    Column("value", Float),
    Column("unit", String(32)),
    Column("text", Text),
    UniqueConstraint("person_id", "record_key", name="uq_raw_records_identity"),
    Index("ix_raw_records_person_day", "person_id", "day"),
)

daily_values = Table(
    "daily_values",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("metric", String(100), primary_key=True),
    Column("value", Float, nullable=False),
    Column("n", Integer, nullable=False),
)

sleep_episodes = Table(
    "sleep_episodes",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("night", Date, nullable=False),
    Column("start_utc", BigInteger, nullable=False),
    Column("end_utc", BigInteger, nullable=False),
    Column("start_offset_min", SmallInteger, nullable=False),
    Column("end_offset_min", SmallInteger, nullable=False),
    Column("asleep_hours", Float, nullable=False),
    Column("in_bed_hours", Float, nullable=False),
    Column("is_main", Boolean, nullable=False),
    Index("ix_sleep_episodes_person_night", "person_id", "night"),
)
