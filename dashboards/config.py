"""Where the dashboard finds the API and the warehouse (environment, like the CLI)."""

from __future__ import annotations

import os
from pathlib import Path

from hisaab.settings import Settings


def api_url() -> str:
    """``HISAAB_API_URL`` (default http://127.0.0.1:8000)."""
    return os.environ.get("HISAAB_API_URL", "http://127.0.0.1:8000").rstrip("/")


def settings() -> Settings:
    # Read each run (not lru-cached) so a test or a restarted shell can point elsewhere.
    return Settings()


def warehouse_path() -> Path:
    return settings().warehouse


def data_dir() -> Path:
    return settings().data_dir
