"""Benchmark: the payments API under 100 concurrent clients, against a bare endpoint in the same run.

A merchant's checkout does create order → pay → capture. This drives that flow through uvicorn
with 100 concurrent clients, on SQLite (WAL) and on the local Postgres, and measures throughput,
p50/p99 latency per request and the server's CPU per request. The ceiling is a bare FastAPI
endpoint (``async def``, no auth, no database, no middleware) served by the same uvicorn
processes in the same run, driven by the same client: what this machine, uvicorn and the client
can do at all. ``--workers N`` runs N uvicorn workers for both (the same server for the app and
the ceiling is what makes the ratio fair); ``--profile DIR`` records py-spy stacks of every
server process while each phase runs.

Emulated gateways answer instantly (``HISAAB_GATEWAY_LATENCY_SCALE=0``, no faults): the numbers
are the API's own cost, not a gateway's. Rate limits are raised out of the way.

Targets (issue 6): p99 under 50 ms at 100 concurrent; order creation ≥ 30% of the ceiling's
throughput.

Usage: ``flock /tmp/hisaab-bench.lock .venv/bin/python bench/bench_api.py [--seconds 15]
[--workers 1] [--profile DIR] [--no-write]``.
Results: ``bench/results/api.json`` and ``bench/results/api.md`` (``api-2workers.*`` with
``--workers 2``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

CONCURRENCY = 100
PG_ADMIN = os.environ.get("HISAAB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def bench_app():  # type: ignore[no-untyped-def]
    """uvicorn factory: the real API, plus ``/bench/bare`` served by a bare FastAPI app."""
    from fastapi import FastAPI

    from api.app import create_app

    api = create_app()
    bare = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @bare.post("/bench/bare")
    async def bare_endpoint() -> dict[str, object]:
        return {"id": "order_0000000000000", "entity": "order", "amount": 10_000}

    async def dispatch(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http" and scope["path"] == "/bench/bare":
            await bare(scope, receive, send)
        else:
            await api(scope, receive, send)

    return dispatch


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


class Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams: a load generator light
    enough to share two cores with the server (httpx costs more per request than a bare
    FastAPI endpoint does)."""

    def __init__(self, host: str, port: int, authorization: str) -> None:
        self.host, self.port, self.authorization = host, port, authorization
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        payload = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: {self.authorization}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        self.writer.write(head + payload)
        await self.writer.drain()
        assert self.reader is not None
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        data = await self.reader.readexactly(length)
        return status, json.loads(data) if data else {}

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def drive(base: str, auth: tuple[str, str], kind: str, seconds: float) -> dict[str, object]:
    import base64

    host, port = base.removeprefix("http://").split(":")
    authorization = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    done = {"n": 0}

    async def worker(deadline: float) -> None:
        conn = Connection(host, int(port), authorization)

        async def call(step: str, path: str, body: dict[str, object]) -> dict[str, object] | None:
            t0 = time.perf_counter()
            status, data = await conn.post(path, body)
            latencies.setdefault(step, []).append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors[f"{step}:{status}"] = errors.get(f"{step}:{status}", 0) + 1
                return None
            return data

        try:
            while time.perf_counter() < deadline:
                if kind == "bare":
                    await call("bare", "/bench/bare", {"amount": 10_000, "currency": "INR"})
                    done["n"] += 1
                elif kind == "orders":
                    await call("order", "/v1/orders", {"amount": 10_000, "currency": "INR"})
                    done["n"] += 1
                else:
                    order = await call("order", "/v1/orders", {"amount": 10_000, "currency": "INR"})
                    if order is None:
                        continue
                    pay = await call(
                        "pay",
                        "/v1/payments/create/json",
                        {
                            "order_id": order["id"],
                            "amount": 10_000,
                            "method": "card",
                            "token": "token_4lx9XhY2Jq0aZb",
                        },
                    )
                    if pay is None or pay.get("status") != "authorized":
                        continue
                    if await call(
                        "capture", f"/v1/payments/{pay['id']}/capture", {"amount": 10_000}
                    ):
                        done["n"] += 1
        finally:
            await conn.close()

    warm = time.perf_counter() + min(3.0, seconds / 5)
    await asyncio.gather(*(worker(warm) for _ in range(CONCURRENCY)))
    warm_done = done["n"]
    latencies.clear()
    errors.clear()
    done["n"] = 0
    start = time.perf_counter()
    await asyncio.gather(*(worker(start + seconds) for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - start
    steps = {
        step: {
            "requests": len(v),
            "req_per_s": len(v) / elapsed,
            "p50_ms": statistics.median(v),
            "p99_ms": percentile(v, 99),
        }
        for step, v in latencies.items()
    }
    return {
        "kind": kind,
        "seconds": elapsed,
        "completed": done["n"],
        "per_s": done["n"] / elapsed,
        "served": warm_done + done["n"],
        "steps": steps,
        "errors": errors,
    }


def _server_pids() -> list[int]:
    """The uvicorn processes this benchmark started (its children, and their workers)."""
    import psutil

    return [p.pid for p in psutil.Process().children(recursive=True)]


def _server_cpu_s() -> float:
    """User + system CPU seconds used so far by the server processes."""
    import psutil

    total = 0.0
    for pid in _server_pids():
        try:
            t = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def _profiled(kind: str, seconds: float, profile_dir: Path | None):  # type: ignore[no-untyped-def]
    """py-spy records each server process while ``kind`` runs (``--profile DIR``)."""
    import contextlib
    import subprocess

    if profile_dir is None:
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def recording():  # type: ignore[no-untyped-def]
        spy = Path(sys.executable).with_name("py-spy")
        procs = [
            subprocess.Popen(
                [
                    str(spy),
                    "record",
                    "-p",
                    str(pid),
                    "-d",
                    str(int(seconds + 5)),
                    "-r",
                    "200",
                    "--format",
                    "raw",
                    "-o",
                    str(profile_dir / f"{kind}-{pid}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid in _server_pids()
        ]
        try:
            yield
        finally:
            for proc in procs:
                proc.wait()

    return recording()


def run_backend(
    name: str,
    database_url: str,
    data_dir: Path,
    seconds: float,
    workers: int = 1,
    profile_dir: Path | None = None,
) -> dict[str, object]:
    import httpx

    from api.auth.service import issue_key
    from api.db import Database
    from api.migrate import upgrade
    from tests.api.conftest import VALID_MERCHANT
    from tests.api.server import running_api

    upgrade(database_url)
    db = Database(database_url, pool_size=1)
    with db.session() as s:
        platform_key = issue_key(s, merchant_id=None, scope="platform")
    db.dispose()
    env = {"HISAAB_API_RATE_PER_S": "1000000", "HISAAB_API_BURST": "1000000"}
    os.environ["PYTHONPATH"] = f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    with running_api(
        database_url, data_dir, app="bench_api:bench_app", workers=workers, **env
    ) as base:
        onboarded = httpx.post(
            f"{base}/v1/merchants",
            json=VALID_MERCHANT,
            auth=(platform_key.key_id, platform_key.key_secret),
            timeout=30,
        ).json()
        auth = (onboarded["key"]["id"], onboarded["key"]["secret"])
        out = {"backend": name}
        for kind in ("bare", "orders", "flow"):
            cpu_before = _server_cpu_s()
            with _profiled(f"{name}-{kind}", seconds, profile_dir):
                out[kind] = asyncio.run(drive(base, auth, kind, seconds))
            # Server CPU per request (per flow): the cost that machine load does not inflate
            # much, unlike wall-clock latency. It includes the warm-up, so it is divided by
            # every request served, warm-up included.
            cpu = _server_cpu_s() - cpu_before
            out[kind]["server_cpu_s"] = cpu
            out[kind]["server_cpu_ms_per"] = 1000 * cpu / max(1, out[kind]["served"])
            print(name, kind, json.dumps(out[kind]["steps"]), flush=True)
    return out


def markdown(results: dict[str, object]) -> str:
    workers = results.get("workers", 1)
    lines = [
        f"Measured {results['measured_at']} on {results['cpus']} cores, Python "
        f"{results['python']}, load average before the run {results['load_before']}, after "
        f"{results['load_after']}. {results['concurrency']} concurrent clients, "
        f"{workers} uvicorn worker{'s' if workers != 1 else ''} for the app and the ceiling alike, "
        "emulated gateways without latency. Server CPU is the uvicorn processes' user+system "
        "CPU per request (per flow for the flow), which load from other processes inflates far "
        "less than wall-clock numbers.",
        "",
        "| backend | request | req/s | p50 ms | p99 ms | vs bare req/s | server CPU ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    errors: list[str] = []
    for b in results["backends"]:  # type: ignore[union-attr]
        for kind in ("bare", "orders", "flow"):
            for what, n in b[kind]["errors"].items():
                errors.append(f"{b['backend']} {kind}: {n} × {what}")
        bare = b["bare"]["steps"]["bare"]
        lines.append(
            f"| {b['backend']} | bare endpoint (ceiling) | {bare['req_per_s']:,.0f} | "
            f"{bare['p50_ms']:.1f} | {bare['p99_ms']:.1f} | 100% | "
            f"{b['bare'].get('server_cpu_ms_per', float('nan')):.2f} |"
        )
        o = b["orders"]["steps"]["order"]
        lines.append(
            f"| {b['backend']} | create order (alone) | {o['req_per_s']:,.0f} | {o['p50_ms']:.1f} | "
            f"{o['p99_ms']:.1f} | {o['req_per_s'] / bare['req_per_s']:.0%} | "
            f"{b['orders'].get('server_cpu_ms_per', float('nan')):.2f} |"
        )
        for step in ("order", "pay", "capture"):
            s = b["flow"]["steps"].get(step)
            if s:
                lines.append(
                    f"| {b['backend']} | flow: {step} | {s['req_per_s']:,.0f} | {s['p50_ms']:.1f} | "
                    f"{s['p99_ms']:.1f} | | |"
                )
        lines.append(
            f"| {b['backend']} | **flow: order+pay+capture** | {b['flow']['per_s']:,.0f} flows/s "
            f"| | | | {b['flow'].get('server_cpu_ms_per', float('nan')):.2f} per flow |"
        )
    lines += ["", "Errors: " + ("; ".join(errors) if errors else "none (every response was 200).")]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (app and ceiling)")
    parser.add_argument("--profile", type=Path, help="py-spy raw stacks per server process here")
    parser.add_argument("--no-write", action="store_true", help="print only; keep results files")
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    import psycopg

    load_before = os.getloadavg()
    results: dict[str, object] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": " ".join(f"{x:.2f}" for x in load_before),
        "concurrency": CONCURRENCY,
        "workers": args.workers,
        "seconds": args.seconds,
        "backends": [],
    }
    with tempfile.TemporaryDirectory(prefix="hisaab-bench-api-") as tmp:
        for backend in args.backends.split(","):
            data_dir = Path(tmp) / backend
            data_dir.mkdir()
            if backend == "sqlite":
                url = f"sqlite:///{data_dir / 'hisaab.sqlite3'}"
                results["backends"].append(
                    run_backend("SQLite", url, data_dir, args.seconds, args.workers, args.profile)
                )  # type: ignore[union-attr]
            else:
                name = f"hisaab_bench_{secrets.token_hex(4)}"
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'create database "{name}"')
                try:
                    base = PG_ADMIN.rsplit("/", 1)[0].split("://", 1)[1]
                    url = f"postgresql+psycopg://{base}/{name}"
                    results["backends"].append(
                        run_backend(
                            "Postgres", url, data_dir, args.seconds, args.workers, args.profile
                        )
                    )  # type: ignore[union-attr]
                finally:
                    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                        conn.execute(f'drop database if exists "{name}" with (force)')
    results["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    md = markdown(results)
    if not args.no_write:
        out = HERE / "results"
        out.mkdir(exist_ok=True)
        stem = "api" if args.workers == 1 else f"api-{args.workers}workers"
        (out / f"{stem}.json").write_text(json.dumps(results, indent=2))
        (out / f"{stem}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
