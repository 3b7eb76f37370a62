"""Start the API in a real uvicorn process for tests that talk HTTP (the SDK test, schemathesis)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_api(
    database_url: str,
    data_dir: Path,
    app: str = "api.app:create_app",
    workers: int = 1,
    **env: str,
) -> Iterator[str]:
    """A uvicorn process serving the app factory ``app`` on a free port; yields its base URL."""
    port = free_port()
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HISAAB_DATA_DIR": str(data_dir),
        "HISAAB_GATEWAY_LATENCY_SCALE": "0",
        "HISAAB_GATEWAY_FAULTS": "none",
        **env,
    }
    log = open(data_dir / f"uvicorn-{port}.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *(["--workers", str(workers)] if workers > 1 else []),
        ],
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 150  # a loaded 2-core runner needs time to import
        while True:
            if proc.poll() is not None:
                raise RuntimeError((data_dir / f"uvicorn-{port}.log").read_text()[-3000:])
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("uvicorn did not answer /v1/health within 150 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
