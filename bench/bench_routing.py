"""Benchmark: what a routing decision and an emulated gateway call cost per payment.

User need: the payments API budget is p99 < 50 ms per request; routing and the gateway
connector sit on that path. In one run, on this machine, it measures per call (p50, p99, calls/s):

* **baseline** — static routing: the cheapest gateway that takes the method, from the same cost
  table, no learning, no state (the floor any router pays);
* **router (memory)** — ``Router.choose`` + ``record_outcome`` with in-process state;
* **router (redis)** — the same with state in the local Redis (``REDIS_URL``, default
  ``redis://127.0.0.1:6379/0``, under a key prefix of its own, deleted afterwards), beside
  the floor of one Redis round trip (``PING``): a decision plus its outcome costs three round
  trips (state read, outcome write, breaker read), a failure a few more;
* **emulator authorize+capture** — one emulated Razorpay authorisation and capture with
  ``latency_scale=0``: what the connector and its durable SQLite journal add, without sleeping.

Usage: ``python bench/bench_routing.py [--n 20000]``. Results: ``bench/results/routing.json``
and ``bench/results/routing.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from api.gateways.base import AuthorizeRequest  # noqa: E402
from api.gateways.catalogue import CATALOGUES  # noqa: E402
from api.gateways.emulator import build_emulators  # noqa: E402
from api.gateways.faults import FaultConfig, FaultInjector  # noqa: E402
from api.gateways.journal import GatewayJournal  # noqa: E402
from api.routing.costs import CostTable  # noqa: E402
from api.routing.router import Router, RoutingContext  # noqa: E402
from api.routing.state import RedisStateStore  # noqa: E402

METHODS = ("upi", "card", "netbanking", "wallet")


def timed(n: int, fn: Callable[[int], object]) -> dict[str, float]:
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        s = time.perf_counter()
        fn(i)
        lat.append((time.perf_counter() - s) * 1e6)
    total = time.perf_counter() - t0
    lat.sort()
    return {
        "calls": n,
        "calls_per_s": round(n / total),
        "p50_us": round(statistics.median(lat), 1),
        "p99_us": round(lat[int(0.99 * (n - 1))], 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    args = ap.parse_args()
    n = args.n
    costs = CostTable()

    def ctx(i: int) -> RoutingContext:
        return RoutingContext("mer_B", METHODS[i % 4], 10_000 + i, payment_id=f"pay_{i:014d}",
                              merchant_mdr_bps=200)  # fmt: skip

    def baseline(i: int) -> str:
        c = ctx(i)
        ok = [g for g, cat in CATALOGUES.items() if cat.supports(c.method)]
        return min(ok, key=lambda g: (costs.cost_paise(g, c.method, c.amount_paise) or 0, g))

    def routed(router: Router) -> Callable[[int], object]:
        def go(i: int) -> object:
            c = ctx(i)
            d = router.choose(c)
            router.record_outcome(d.gateway, c.method, i % 10 != 0, 900.0)
            return d

        return go

    results: dict[str, dict[str, float]] = {}
    results["baseline: static cheapest gateway"] = timed(n, baseline)
    results["router, in-process state"] = timed(n, routed(Router()))
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    store = RedisStateStore.from_url(redis_url, prefix=f"hisaab-bench:{uuid.uuid4().hex[:8]}:")
    try:
        results["baseline: one Redis PING round trip"] = timed(
            max(1, n // 4), lambda i: store.r.ping()
        )
        results["router, Redis state"] = timed(max(1, n // 4), routed(Router(store=store)))
    finally:
        store.delete_all()
    with tempfile.TemporaryDirectory() as tmp:
        journal = GatewayJournal(Path(tmp) / "journal.sqlite3")
        gws = build_emulators(journal, FaultInjector(FaultConfig.none()), latency_scale=0.0)

        def pay(i: int) -> object:
            req = AuthorizeRequest(f"pay_{i:014d}", f"order_{i:012d}", "mer_B", "card", 10_000,
                                   "INR", card_token="tok_x", mdr_bps=200)  # fmt: skip
            res = gws["razorpay"].authorize(req)
            return gws["razorpay"].capture(res.gateway_payment_id or "", 10_000)

        results["emulated Razorpay authorize + capture (SQLite journal)"] = timed(
            max(1, n // 4), pay
        )
        journal.close()

    meta = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "routing.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    lines = [
        "# Routing and emulated gateway call cost",
        "",
        f"{meta['at']}, Python {meta['python']}, {meta['cpus']} CPUs, load average "
        f"{meta['load_average']} (other work was running). Generated by `bench/bench_routing.py`.",
        "",
        "| case | calls | calls/s | p50 µs | p99 µs |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['calls']} | {r['calls_per_s']} | {r['p50_us']} | {r['p99_us']} |"
        )
    (out / "routing.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
