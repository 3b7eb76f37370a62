"""Typed settings read from the environment, so CLI, Airflow and the API agree on where data lives."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where Hisaab keeps its data and which servers it talks to.

    Everything is embedded by default (local files, DuckDB, SQLite); setting ``DATABASE_URL`` or
    ``REDIS_URL`` switches to a real server.
    """

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    data_dir: Path = Field(
        default=Path("data"),
        validation_alias=AliasChoices("HISAAB_DATA_DIR", "data_dir"),
        description="Root of landing/, lake/, books/, truth/ and the warehouse.",
    )
    warehouse_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("HISAAB_WAREHOUSE_PATH", "warehouse_path"),
        description="DuckDB warehouse file; defaults to <data_dir>/warehouse.duckdb.",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description="OLTP database (SQLAlchemy URL). Unset: SQLite under the data dir.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "redis_url"),
        description="Redis for rate limits and caches. Unset: in-process.",
    )

    @property
    def warehouse(self) -> Path:
        return self.warehouse_path or self.data_dir / "warehouse.duckdb"

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def books_dir(self) -> Path:
        return self.data_dir / "books"

    @property
    def truth_dir(self) -> Path:
        return self.data_dir / "truth"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def oltp_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hisaab.sqlite3'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once; tests build their own ``Settings``)."""
    return Settings()
