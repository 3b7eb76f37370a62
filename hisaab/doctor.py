"""``hisaab doctor``: is this machine ready to run Hisaab, and if not, what to do about it."""

from __future__ import annotations

import importlib.metadata as md
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from hisaab.settings import Settings

REQUIRED_PACKAGES = ("polars", "duckdb", "pyarrow", "numpy", "mt-940", "lxml", "python-stdnum",
                     "pydantic-settings", "typer")  # fmt: skip


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _reachable(url: str, default_port: int, timeout: float = 1.5) -> tuple[bool, str]:
    parsed = urlparse(url)
    host = parsed.hostname or "127.0.0.1"
    port = parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True, f"{host}:{port} answers"
    except OSError as exc:
        return False, f"{host}:{port} unreachable ({exc.strerror or exc})"


def run_checks(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    v = sys.version_info
    checks.append(
        Check(
            "python",
            (v.major, v.minor) == (3, 11),
            f"Python {v.major}.{v.minor}.{v.micro}",
            "Hisaab is built and tested on Python 3.11: run `make demo`, which creates .venv with it.",
        )
    )
    missing = []
    for pkg in REQUIRED_PACKAGES:
        try:
            md.version(pkg)
        except md.PackageNotFoundError:
            missing.append(pkg)
    checks.append(
        Check(
            "packages",
            not missing,
            "all installed" if not missing else f"missing: {', '.join(missing)}",
            "Run `make venv` to install the locked dependencies (requirements.lock).",
        )
    )
    data_dir = Path(settings.data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
        checks.append(Check("data dir", True, f"{data_dir.resolve()} is writable"))
    except OSError as exc:
        checks.append(
            Check(
                "data dir",
                False,
                f"{data_dir} not writable ({exc})",
                "Point HISAAB_DATA_DIR at a writable folder, e.g. `export HISAAB_DATA_DIR=$HOME/hisaab-data`.",
            )
        )
    if settings.database_url:
        scheme = urlparse(settings.database_url).scheme
        if scheme.startswith("postgres"):
            ok, detail = _reachable(settings.database_url, 5432)
            checks.append(
                Check(
                    "postgres",
                    ok,
                    detail,
                    "Start Postgres (`pg_ctlcluster <version> main start`) or unset DATABASE_URL "
                    "to use the embedded SQLite database.",
                )
            )
        else:
            checks.append(Check("database", True, f"{scheme} (embedded)"))
    else:
        checks.append(Check("database", True, "DATABASE_URL not set: embedded SQLite"))
    if settings.redis_url:
        ok, detail = _reachable(settings.redis_url, 6379)
        checks.append(
            Check(
                "redis",
                ok,
                detail,
                "Start Redis (`redis-server --daemonize yes`) or unset REDIS_URL to use "
                "in-process rate limits.",
            )
        )
    else:
        checks.append(Check("redis", True, "REDIS_URL not set: in-process"))
    checks.append(Check("cpus", True, f"{os.cpu_count()} cores"))
    return checks
