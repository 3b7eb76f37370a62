"""What ``hisaab risk credit …`` does, as plain functions (the CLI, Airflow and tests call these).

``train_and_register`` (spec → trained, evaluated, registered version with its model card),
``compare`` (two versions' metrics side by side), ``score_batch`` (the production model's
decisions for every application in the warehouse, written back to it) and ``benchmark``
(k-fold CV of a spec on German credit or any CSV).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from risk.credit import model_card
from risk.credit.artifacts import load_version, model_files
from risk.credit.decisions import write_decisions
from risk.credit.features import infer_csv_spec_doc, load_data, read_source
from risk.credit.spec import CreditSpec, SpecError, load_spec, parse_spec, spec_hash
from risk.credit.training import cross_validate, train
from risk.registry import ModelVersion, Registry

GERMAN_SPEC = Path(__file__).resolve().parents[2] / "models" / "german_credit.yaml"


@dataclass
class Trained:
    version: ModelVersion
    metrics: dict[str, Any]


def train_and_register(
    spec_path: Path,
    warehouse: Path,
    registry: Registry,
    truth_dir: Path | None = None,
) -> Trained:
    spec = load_spec(spec_path)
    data = load_data(spec, warehouse, origin=str(spec_path))
    result = train(spec, data, truth_dir)
    s_hash = spec_hash(spec)
    files = model_files(result.model)
    files.update(plots := model_card.plots(result))
    label = f"v{(registry.versions(spec.name) or [0])[-1] + 1:04d}"
    files["model_card.md"] = model_card.render(result, label, data.data_hash, s_hash).encode()
    meta = {
        "algorithm": result.model.core.kind,
        "data_hash": data.data_hash,
        "spec_hash": s_hash,
        "spec_path": str(spec_path),
        "train_rows": result.train_rows,
        "metrics": result.metrics,
        "plots": sorted(plots),
    }
    mv = registry.register(spec.name, files, meta)
    return Trained(version=mv, metrics=result.metrics)


COMPARE_KEYS = (
    ("holdout", "auc"),
    ("holdout", "gini"),
    ("holdout", "ks"),
    ("holdout", "brier"),
    ("holdout", "oracle_auc"),
    (None, "calibration_error"),
    (None, "calibration_max_gap"),
    (None, "approval_rate"),
)


def compare(registry: Registry, name: str, v1: str, v2: str) -> list[dict[str, Any]]:
    """Rows of (metric, v1, v2, v2 − v1), PSI per feature included."""
    a, b = registry.get(name, v1), registry.get(name, v2)
    ma, mb = a.metadata["metrics"], b.metadata["metrics"]
    rows = [
        {
            "metric": "algorithm",
            a.label: a.metadata["algorithm"],
            b.label: b.metadata["algorithm"],
            "delta": None,
        },
        {
            "metric": "spec_hash",
            a.label: a.metadata["spec_hash"][:12],
            b.label: b.metadata["spec_hash"][:12],
            "delta": None,
        },
        {
            "metric": "data_hash",
            a.label: a.metadata["data_hash"][:12],
            b.label: b.metadata["data_hash"][:12],
            "delta": None,
        },
    ]

    def get(m: dict[str, Any], group: str | None, key: str) -> float | None:
        src = m.get(group, {}) if group else m
        v = src.get(key)
        return float(v) if isinstance(v, int | float) else None

    for group, key in COMPARE_KEYS:
        va, vb = get(ma, group, key), get(mb, group, key)
        rows.append(
            {
                "metric": f"{group}.{key}" if group else key,
                a.label: va,
                b.label: vb,
                "delta": None if va is None or vb is None else vb - va,
            }
        )
    for feat in sorted(set(ma.get("psi", {})) | set(mb.get("psi", {}))):
        va, vb = ma.get("psi", {}).get(feat), mb.get("psi", {}).get(feat)
        rows.append(
            {
                "metric": f"psi.{feat}",
                a.label: va,
                b.label: vb,
                "delta": None if va is None or vb is None else vb - va,
            }
        )
    return rows


def score_batch(
    warehouse: Path, registry: Registry, name: str = "bnpl_credit", version: str | None = None
) -> tuple[ModelVersion, pl.DataFrame]:
    """Decisions of the production (or given) version for every application in its table."""
    mv = registry.get(name, version)
    model = load_version(mv)
    frame = read_source(model.spec, warehouse)
    decisions = model.decide_frame(frame)
    write_decisions(warehouse, decisions)
    return mv, decisions


def benchmark(dataset: str, target: str | None = None) -> dict[str, Any]:
    """5-fold CV of a scorecard: ``german`` (models/german_credit.yaml) or a CSV path."""
    if dataset == "german":
        spec: CreditSpec = load_spec(GERMAN_SPEC)
        if not Path(spec.data.path or "").is_file():
            raise SpecError(
                f"German credit is read in place from {spec.data.path}; that folder "
                "(../shared/fixtures) is not on this machine"
            )
    else:
        path = Path(dataset)
        if not path.is_file():
            raise SpecError(f"--dataset: {dataset} is neither 'german' nor a CSV file")
        if not target:
            raise SpecError("--target: a CSV data set needs the name of its target column")
        spec = parse_spec(infer_csv_spec_doc(path, target), f"{path} (inferred spec)")
    data = load_data(spec)
    out: dict[str, Any] = cross_validate(spec, data)
    return out
