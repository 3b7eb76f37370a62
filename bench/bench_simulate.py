"""Benchmark: how fast `hisaab simulate` generates payments, and its peak memory.

For each size it runs, in separate processes and in the same run:

* **simulate** — the real thing: ``build_world`` (7 days, 200 merchants) writing every landing
  file, our books and the ground truth;
* **floor** — what any generator of that many payment rows must at least pay on this machine:
  numpy draws of the same number of rows (id, merchant, amount, timestamp) written once as CSV
  and once as Parquet with polars, no business logic.

Usage: ``python bench/bench_simulate.py [--sizes 1000000 10000000]``. Results go to
``bench/results/simulate.json`` and a Markdown table to ``bench/results/simulate.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SIMULATE = """
import sys; sys.path.insert(0, {bench!r})
from pathlib import Path
from _child import run_case
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import build_world
def go():
    s = build_world(WorldConfig(days=7, merchants=200, payments={n}, seed=42), Path({out!r}))
    return {{"attempts": s.attempts, "settlements": s.settlements}}
run_case(go)
"""

FLOOR = """
import sys; sys.path.insert(0, {bench!r})
import numpy as np, polars as pl
from _child import run_case
def go():
    rng = np.random.default_rng(42)
    chunk = 250_000
    out = {out!r}
    with open(out + "/floor.csv", "wb") as f:
        for i in range(0, {n}, chunk):
            k = min(chunk, {n} - i)
            df = pl.DataFrame({{
                "payment_id": np.arange(i, i + k),
                "merchant_idx": rng.integers(0, 200, k),
                "amount_paise": rng.integers(100, 10_000_000, k),
                "created_us": rng.integers(0, 7 * 86_400_000_000, k),
            }})
            df.write_csv(f, include_header=(i == 0))
            df.write_parquet(out + f"/floor-{{i}}.parquet")
    return {{"rows": {n}}}
run_case(go)
"""


def run(code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark case failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as out:
            floor = run(FLOOR.format(bench=str(HERE), n=n, out=out))
        with tempfile.TemporaryDirectory() as out:
            sim = run(SIMULATE.format(bench=str(HERE), n=n, out=out))
        row = {
            "payments": n,
            "simulate_seconds": round(sim["seconds"], 1),
            "simulate_payments_per_s": round(n / sim["seconds"]),
            "simulate_peak_rss_mb": round(sim["peak_rss_mb"]),
            "floor_seconds": round(floor["seconds"], 1),
            "floor_rows_per_s": round(n / floor["seconds"]),
            "floor_peak_rss_mb": round(floor["peak_rss_mb"]),
            "ratio_to_floor": round(sim["seconds"] / floor["seconds"], 1),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "simulate.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n"
    )
    lines = [
        "| payments | simulate | payments/s | peak RSS | floor (numpy+polars write) | floor rows/s | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['payments']:,} | {r['simulate_seconds']} s | {r['simulate_payments_per_s']:,} "
            f"| {r['simulate_peak_rss_mb']:,} MB | {r['floor_seconds']} s | {r['floor_rows_per_s']:,} "
            f"| {r['ratio_to_floor']}× |"
        )
    table = "\n".join(lines)
    (results / "simulate.md").write_text(
        f"Measured {meta['when']} on {meta['cpus']} cores, Python {meta['python']}.\n\n{table}\n"
    )
    print(table)


if __name__ == "__main__":
    main()
