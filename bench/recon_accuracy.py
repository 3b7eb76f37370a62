"""Break detection accuracy on full-size worlds: the demo world and three other seeds.

Runs simulate → ingest → extract → recon → evaluate for each seed (7 days, 200 merchants,
200 000 payments by default) and writes precision/recall per break kind to
``bench/results/recon_accuracy.json`` and a Markdown summary next to it. This is the issue's
acceptance run on demo-sized worlds; `tests/e2e/` runs the same check on small worlds.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from pipelines.extract import extract_books
from pipelines.ingest import ingest_landing
from pipelines.recon.evaluate import evaluate_world
from pipelines.recon.runner import run_recon
from pipelines.simulator.config import WorldConfig
from pipelines.simulator.world import build_world

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2, 3])
    parser.add_argument("--payments", type=int, default=200_000)
    args = parser.parse_args()
    results = {}
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            t0 = time.perf_counter()
            build_world(WorldConfig(payments=args.payments, seed=seed), d)
            ingest_landing(d, run_gx=False)
            extract_books(d, run_gx=False)
            outcome = run_recon(d, d / "warehouse.duckdb")
            if not outcome.dbt.success:
                raise SystemExit(f"seed {seed}: dbt build failed: {outcome.dbt.failures[:3]}")
            result = evaluate_world(d / "warehouse.duckdb", d / "truth")
            result["seconds"] = round(time.perf_counter() - t0, 1)
            results[str(seed)] = result
            worst = min(
                min(m["precision"], m["recall"]) for m in result["kinds"].values() if m["support"]
            )
            print(
                f"seed {seed}: worst precision/recall {worst:.4f}, "
                f"unexplained {result['unexplained_breaks']}, {result['seconds']} s",
                flush=True,
            )
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "recon_accuracy.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    kinds = sorted({k for r in results.values() for k in r["kinds"]})
    lines = [
        "| kind | " + " | ".join(f"seed {s} P / R (n)" for s in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for k in kinds:
        cells = []
        for r in results.values():
            m = r["kinds"].get(k)
            cells.append(f"{m['precision']:.3f} / {m['recall']:.3f} ({m['support']})" if m else "—")
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    lines.append(
        "| unexplained breaks | "
        + " | ".join(str(r["unexplained_breaks"]) for r in results.values())
        + " |"
    )
    (out / "recon_accuracy.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
