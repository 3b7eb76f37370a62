"""Benchmark: ingest of one big gateway settlement file, against a floor measured in the same run.

One Razorpay settlement recon CSV of ``--rows`` rows (10M by default) is built once, outside the
timed cases, by repeating the lines of a small simulated world's Razorpay files with unique entity
ids. Then, each in its own process (so peak RSS belongs to that case alone):

* **floor** — what any reader of that file must at least pay on this machine: polars
  ``read_csv`` of the same CSV (types inferred, no checks) and one Parquet write (zstd);
* **ingest** — the real thing without Great Expectations (``run_gx=False``): sha256, content
  detection, the Razorpay parser, the data contract (schema, row rules, duplicate and formula
  flags), the lake write and the manifest, through ``pipelines.ingest.ingest_paths``;
* **gx** — Great Expectations validating the loaded rows read back from the lake (the same
  suite ingestion runs when GE is on, in the same batches of ``IngestContext.gx_batch_rows``),
  timed on its own so its rows/s is its own figure (GE's import is not counted).

Targets (issue 3): ingest ≥ 500k rows/s end to end, within 4× the floor, under 6 GB peak RSS.

Usage: ``python bench/bench_ingest.py [--rows 10000000] [--skip-gx] [--csv PATH]`` (``--csv``
keeps the 3 GB input for the next run). Results go to
``bench/results/ingest.json`` and a Markdown table to ``bench/results/ingest.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
HISTORY_MARK = "<!-- history: kept by the harness, written by hand -->"
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
from hisaab import POLARS_ALLOCATOR_CONF  # noqa: E402

BUILD = """
import sys; sys.path.insert(0, {bench!r})
from pathlib import Path
import polars as pl
from _child import run_case
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import build_world

def go():
    world = Path({tmp!r}) / "world"
    build_world(WorldConfig(days=3, merchants=20, payments=30_000, seed=11), world)
    files = sorted((world / "landing" / "razorpay").rglob("*.csv"))
    seed = pl.concat([pl.read_csv(f, infer_schema=False) for f in files])
    n, k = {rows}, seed.height
    reps = -(-n // k)
    big = (
        pl.concat([seed] * reps)
        .head(n)
        .with_row_index("_i")
        .with_columns(
            # unique entity ids with the original prefix (pay_, rfnd_, adj_): no duplicates
            entity_id=pl.col("entity_id").str.extract(r"^([a-z]+_)", 1)
            + pl.col("_i").cast(pl.String).str.zfill(14),
            # vary the day a little so the lake gets a few partitions
            created_at=(pl.col("created_at").cast(pl.Int64) + (pl.col("_i") % 3) * 86_400)
            .cast(pl.String),
        )
        .drop("_i")
    )
    big.write_csv({csv!r})
    return {{"rows": big.height, "bytes": Path({csv!r}).stat().st_size}}
run_case(go)
"""

FLOOR = """
import sys; sys.path.insert(0, {bench!r})
import polars as pl
from _child import run_case
def go():
    df = pl.read_csv({csv!r})
    df.write_parquet({out!r} + "/floor.parquet", compression="zstd")
    return {{"rows": df.height}}
run_case(go)
"""

INGEST = """
import sys; sys.path.insert(0, {bench!r})
from pathlib import Path
from _child import run_case
from pipelines.ingest import ingest_paths
def go():
    (r,) = ingest_paths(Path({out!r}), [Path({csv!r})], run_gx=False)
    assert r.rows_in == r.rows_loaded + r.rows_quarantined
    return {{"rows": r.rows_loaded, "quarantined": r.rows_quarantined, "outcome": r.outcome,
            "format": r.format, "chunks": r.chunks}}
run_case(go)
"""

GX = """
import sys; sys.path.insert(0, {bench!r})
import glob
import polars as pl
import data_contracts
from _child import run_case
from pipelines.ingest import IngestContext
files = sorted(glob.glob({out!r} + "/lake/razorpay_settlement_lines/*/*.parquet"))
contract = data_contracts.load_contract("razorpay_settlement_lines")
import great_expectations  # noqa: F401  (import time is not validation time)
def go():
    # As ingestion runs it: loaded rows queued per dataset, validated in batches of
    # IngestContext.gx_batch_rows (GE's memory grows with the batch, not the file).
    batch_rows = IngestContext.gx_batch_rows
    rows, ok, batches, pending = 0, True, 0, []
    def validate():
        nonlocal ok, batches
        frame = pl.concat(pending)
        ok = ok and bool(data_contracts.validate_with_gx(contract, frame).success)
        batches += 1
        pending.clear()
    for f in files:
        pending.append(pl.read_parquet(f))
        rows += pending[-1].height
        if sum(x.height for x in pending) >= batch_rows:
            validate()
    if pending:
        validate()
    return {{"rows": rows, "success": ok, "batches": batches}}
run_case(go)
"""


def run(code: str) -> dict:
    """One case in its own process; adds the 1-minute load average before and after it (the
    machine is shared: a load above the core count means the case did not have the CPUs).

    Every case runs with the allocator setting Hisaab's packages give polars when imported
    (``hisaab.POLARS_ALLOCATOR_CONF``), the floor included, so the ratio compares code, not
    allocator settings."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.setdefault("_RJEM_MALLOC_CONF", POLARS_ALLOCATOR_CONF)
    load_before = os.getloadavg()[0]
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark case failed:\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return out


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-gx", action="store_true", help="Leave the GE case out.")
    parser.add_argument("--tmp", type=Path, default=None, help="Scratch folder (default: /tmp).")
    parser.add_argument(
        "--csv",
        type=Path,
        default=None,
        help="Keep the generated CSV here and reuse it when it exists (it takes a minute to build).",
    )
    args = parser.parse_args()
    n = args.rows
    uptime_start = uptime()
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        csv = str(args.csv or Path(tmp) / "razorpay_settlement_recon_big.csv")
        if args.csv is not None and args.csv.exists():
            built = {"rows": n, "bytes": args.csv.stat().st_size}
            print(f"reusing {csv} ({built['bytes'] / 1e9:.2f} GB; assumed {n:,} rows)", flush=True)
        else:
            t0 = time.perf_counter()
            built = run(BUILD.format(bench=str(HERE), tmp=tmp, rows=n, csv=csv))["result"]
            print(
                f"built {built['rows']:,} rows, {built['bytes'] / 1e9:.2f} GB "
                f"in {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
        with tempfile.TemporaryDirectory(dir=tmp) as out:
            floor = run(FLOOR.format(bench=str(HERE), csv=csv, out=out))
        print("floor", json.dumps(floor), flush=True)
        out = str(Path(tmp) / "data")
        ingest = run(INGEST.format(bench=str(HERE), csv=csv, out=out))
        print("ingest", json.dumps(ingest), flush=True)
        gx = None if args.skip_gx else run(GX.format(bench=str(HERE), out=out))
        if gx:
            print("gx", json.dumps(gx), flush=True)
    uptime_end = uptime()
    row = {
        "rows": n,
        "floor_load_1m": floor["load"],
        "ingest_load_1m": ingest["load"],
        "csv_gb": round(built["bytes"] / 1e9, 2),
        "floor_seconds": round(floor["seconds"], 1),
        "floor_rows_per_s": round(n / floor["seconds"]),
        "floor_cpu_seconds": round(floor["cpu_seconds"], 1),
        "floor_peak_rss_mb": round(floor["peak_rss_mb"]),
        "ingest_seconds": round(ingest["seconds"], 1),
        "ingest_rows_per_s": round(n / ingest["seconds"]),
        "ingest_cpu_seconds": round(ingest["cpu_seconds"], 1),
        "ingest_peak_rss_mb": round(ingest["peak_rss_mb"]),
        "ingest_ratio_to_floor": round(ingest["seconds"] / floor["seconds"], 2),
        "ingest_cpu_ratio_to_floor": round(ingest["cpu_seconds"] / floor["cpu_seconds"], 2),
        "ingest_chunks": ingest["result"]["chunks"],
        "ingest_rows_loaded": ingest["result"]["rows"],
        "ingest_rows_quarantined": ingest["result"]["quarantined"],
    }
    if gx:
        row |= {
            "gx_seconds": round(gx["seconds"], 1),
            "gx_cpu_seconds": round(gx["cpu_seconds"], 1),
            "gx_rows_per_s": round(n / gx["seconds"]),
            "gx_peak_rss_mb": round(gx["peak_rss_mb"]),
            "gx_success": gx["result"]["success"],
            "gx_batches": gx["result"]["batches"],
            "gx_load_1m": gx["load"],
        }
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "targets": {"rows_per_s": 500_000, "ratio_to_floor": 4.0, "peak_rss_mb": 6144},
        "uptime_start": uptime_start,
        "uptime_end": uptime_end,
    }
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "ingest.json").write_text(json.dumps({"meta": meta, "rows": [row]}, indent=2) + "\n")
    lines = [
        "| case | rows | wall s | rows/s | ratio to floor | CPU s | CPU ratio | peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| floor: polars read_csv + Parquet write | {n:,} | {row['floor_seconds']} "
        f"| {row['floor_rows_per_s']:,} | 1.0× | {row['floor_cpu_seconds']} | 1.0× "
        f"| {row['floor_peak_rss_mb']:,} MB |",
        f"| ingest (parse + contract + lake write, no GE) | {n:,} | {row['ingest_seconds']} "
        f"| {row['ingest_rows_per_s']:,} | {row['ingest_ratio_to_floor']}× "
        f"| {row['ingest_cpu_seconds']} | {row['ingest_cpu_ratio_to_floor']}× "
        f"| {row['ingest_peak_rss_mb']:,} MB |",
    ]
    if gx:
        lines.append(
            f"| Great Expectations on the loaded rows | {n:,} | {row['gx_seconds']} "
            f"| {row['gx_rows_per_s']:,} | — | {row['gx_cpu_seconds']} | — "
            f"| {row['gx_peak_rss_mb']:,} MB |"
        )
        # what a default `hisaab ingest` of this file costs: the ingest, then GE's second pass
        both_s = row["ingest_seconds"] + row["gx_seconds"]
        both_cpu = row["ingest_cpu_seconds"] + row["gx_cpu_seconds"]
        lines.append(
            f"| ingest then GE (the `hisaab ingest` default; sum of the two) | {n:,} "
            f"| {both_s:.1f} | {round(n / both_s):,} | {both_s / row['floor_seconds']:.2f}× "
            f"| {both_cpu:.1f} | {both_cpu / row['floor_cpu_seconds']:.2f}× "
            f"| {max(row['ingest_peak_rss_mb'], row['gx_peak_rss_mb']):,} MB |"
        )
    table = "\n".join(lines)
    loads = (
        f"1-minute load average before → after each case: floor {floor['load'][0]} → "
        f"{floor['load'][1]}, ingest {ingest['load'][0]} → {ingest['load'][1]}"
        + (f", GE {gx['load'][0]} → {gx['load'][1]}" if gx else "")
        + f".\n`uptime` at the start: `{uptime_start}`; at the end: `{uptime_end}`.\n"
    )
    md = results / "ingest.md"
    history = ""
    if md.exists() and HISTORY_MARK in md.read_text():
        history = md.read_text().split(HISTORY_MARK, 1)[1]
    md.write_text(
        f"Measured {meta['when']} on {meta['cpus']} cores, Python {meta['python']}; one "
        f"Razorpay settlement recon CSV of {n:,} rows ({row['csv_gb']} GB), read in "
        f"{row['ingest_chunks']} chunks.\n"
        "Targets: ≥ 500,000 rows/s, ≤ 4× the floor, < 6 GB peak RSS. The machine is shared: "
        "CPU seconds (all threads) vary less than wall time.\n"
        f"{loads}\n"
        f"{table}\n" + (f"\n{HISTORY_MARK}{history}" if history else "")
    )
    print(table)


if __name__ == "__main__":
    main()
