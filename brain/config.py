"""Where EQM keeps its data, read from the environment once at the edges."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime settings; every field can be set with an `EQM_`-prefixed environment variable."""

    model_config = SettingsConfigDict(env_prefix="EQM_", extra="ignore")

    data_dir: Path = Field(
        default=Path(".eqm"),
        description="Folder for the embedded database, memories, models and logs.",
    )
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "eqm",
        description="Folder for rebuildable artifacts shared by every checkout (the default "
        "model, its corpus), each under a content hash of what it was built from.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; a postgresql:// URL selects PostgreSQL, unset means "
        "SQLite at DATA_DIR/eqm.sqlite3.",
    )

    domain_categories: Path | None = Field(
        default=None,
        description="A CSV of `domain,category` rows (social, news, video, shopping, work, "
        "learning) read on top of the list EQM ships (brain/data/domain_categories.csv): how "
        "browser history is split into distracted and focused time.",
    )

    def resolved_database_url(self) -> str:
        """The URL to connect to: EQM_DATABASE_URL, or the embedded SQLite file."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'eqm.sqlite3').resolve()}"


def normalise_database_url(url: str) -> str:
    """Let people write plain `postgresql://` URLs while SQLAlchemy uses psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
