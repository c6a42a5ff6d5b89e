"""Engines and migrations: SQLite under EQM_DATA_DIR by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

from brain.errors import BrainError


@dataclass(frozen=True)
class DriverSyntax:
    """What raw DB-API statements need to know about the driver (hot paths skip SQLAlchemy).

    SQLite stores dates as ISO text (as SQLAlchemy's Date type does there); PostgreSQL
    takes and returns `date` objects.
    """

    mark: str  # the parameter placeholder
    day_param: Callable[[date], object]
    day_value: Callable[[object], date]


def _same(value: Any) -> Any:
    return value


_SQLITE = DriverSyntax("?", date.isoformat, cache(date.fromisoformat))
_PSYCOPG = DriverSyntax("%s", _same, _same)


def driver_syntax(connection: Connection) -> DriverSyntax:
    return _SQLITE if connection.dialect.name == "sqlite" else _PSYCOPG


# One engine serves every table of a process (the API server's threads share it): room for
# as many connections as it has request threads, opened only as they are needed.
POOL = {"pool_size": 10, "max_overflow": 40}


def connect(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder, foreign keys and WAL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, **POOL)
        else:
            engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, **POOL)
    raise BrainError(
        f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL"
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # 32 MiB of page cache: big imports insert into a random-keyed unique index (64 MiB
    # bought ~5% on a 500 MB export for 35 MB more peak memory)
    cursor.execute("PRAGMA cache_size = -32768")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    config = Config()
    config.set_main_option("script_location", "brain.store:migrations")
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        if "alembic_version" in inspect(connection).get_table_names():
            current = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            if current == head:
                return
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
