"""Training and scoring frames for credit models: the spec's data source, derived ratios, target.

Serves the risk analyst: the BNPL features come from the warehouse mart
``marts.fct_bnpl_application_features`` (integers, paise and flags only); the ratios a credit
analyst reasons in (failed share of attempts, refunds per capture, debt-to-income) are derived
here, once, for training, batch and online scoring alike. Any CSV works too (German credit, or
an analyst's own file): column kinds are inferred.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from risk.credit.spec import CreditSpec, SpecError, check_columns

# name -> (columns it needs, polars expression, the same for one application as Python).
# Ratios, not money: floats are fine here.
DERIVED_FEATURES: dict[
    str, tuple[tuple[str, ...], Callable[[], pl.Expr], Callable[[dict[str, Any]], float]]
] = {
    "failed_attempt_ratio": (
        ("failed_attempts", "payment_attempts"),
        lambda: pl.col("failed_attempts") / pl.max_horizontal(pl.col("payment_attempts"), 1),
        lambda a: a["failed_attempts"] / max(a["payment_attempts"], 1),
    ),
    "refund_ratio": (
        ("refunds", "captured_payments"),
        lambda: pl.col("refunds") / pl.max_horizontal(pl.col("captured_payments"), 1),
        lambda a: a["refunds"] / max(a["captured_payments"], 1),
    ),
    "debt_to_income": (
        ("existing_emi_paise", "requested_amount_paise", "tenor_months", "monthly_income_paise"),
        lambda: (
            (
                pl.col("existing_emi_paise")
                + pl.col("requested_amount_paise") / pl.max_horizontal(pl.col("tenor_months"), 1)
            )
            / pl.max_horizontal(pl.col("monthly_income_paise"), 1)
        ),
        lambda a: (
            (a["existing_emi_paise"] + a["requested_amount_paise"] / max(a["tenor_months"], 1))
            / max(a["monthly_income_paise"], 1)
        ),
    ),
    "avg_ticket_paise": (
        ("captured_amount_paise", "captured_payments"),
        lambda: pl.col("captured_amount_paise") / pl.max_horizontal(pl.col("captured_payments"), 1),
        lambda a: a["captured_amount_paise"] / max(a["captured_payments"], 1),
    ),
}


def derived_value(name: str, application: dict[str, Any]) -> float | None:
    """One derived ratio for one application (None when an input is missing)."""
    needs, _, scalar = DERIVED_FEATURES[name]
    if any(application.get(n) is None for n in needs):
        return None
    return float(scalar(application))


@dataclass
class CreditData:
    """A model's rows: features (derived ones included), target, ids, periods, slices."""

    frame: pl.DataFrame
    y: np.ndarray  # 1 = bad (default)
    data_hash: str

    def periods(self, spec: CreditSpec) -> list[str]:
        col = spec.data.time_column
        return sorted(self.frame[col].cast(pl.String).unique().to_list()) if col else []


def column_kinds(frame: pl.DataFrame) -> dict[str, str]:
    """numeric / categorical / boolean per column (derived features count as numeric)."""
    kinds = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Boolean:
            kinds[name] = "boolean"
        elif dtype.is_numeric():
            kinds[name] = "numeric"
        else:
            kinds[name] = "categorical"
    for name, (needs, _, _) in DERIVED_FEATURES.items():
        if all(n in frame.columns for n in needs):
            kinds.setdefault(name, "numeric")
    return kinds


def add_derived(frame: pl.DataFrame, names: list[str] | None = None) -> pl.DataFrame:
    """Add the derived ratio columns the frame can carry (or only ``names``)."""
    exprs = []
    for name, (needs, expr, _) in DERIVED_FEATURES.items():
        if names is not None and name not in names:
            continue
        if name not in frame.columns and all(n in frame.columns for n in needs):
            exprs.append(expr().cast(pl.Float64).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def read_source(spec: CreditSpec, warehouse: Path | None = None) -> pl.DataFrame:
    """The raw rows of the spec's data source."""
    if spec.data.source == "csv":
        path = Path(spec.data.path or "")
        if not path.is_file():
            raise SpecError(f"data.path: no such file {path}")
        return pl.read_csv(path, infer_schema_length=None)
    if warehouse is None:
        from hisaab.settings import get_settings

        warehouse = get_settings().warehouse
    if not Path(warehouse).exists():
        raise SpecError(
            f"data.table: the warehouse {warehouse} does not exist; run `hisaab simulate`, "
            "`hisaab ingest`, `hisaab extract` and `hisaab recon` first"
        )
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            return pl.from_arrow(con.sql(f"select * from {spec.data.table}").to_arrow_table())  # type: ignore[return-value]
        except duckdb.CatalogException as exc:
            raise SpecError(
                f"data.table: {spec.data.table} is not in the warehouse ({exc})"
            ) from None


def target_vector(spec: CreditSpec, frame: pl.DataFrame) -> np.ndarray:
    col = frame[spec.target.column]
    bad = spec.target.bad_values
    if col.dtype == pl.Boolean:
        return np.isin(col.to_numpy(), [b for b in bad if isinstance(b, bool)]).astype(np.int8)
    values = col.cast(pl.String).to_numpy()
    return np.isin(values, [str(b).lower() if isinstance(b, bool) else str(b) for b in bad]).astype(
        np.int8
    )


def frame_hash(frame: pl.DataFrame) -> str:
    """sha256 over the rows (order-sensitive): which data a model was trained on."""
    h = hashlib.sha256()
    h.update(",".join(f"{k}:{v}" for k, v in frame.schema.items()).encode())
    h.update(frame.hash_rows(seed=0).to_numpy().tobytes())
    return h.hexdigest()


def load_data(
    spec: CreditSpec, warehouse: Path | None = None, origin: str = "<spec>"
) -> CreditData:
    """Read the spec's rows, check the spec against them, derive ratios and the target."""
    raw = read_source(spec, warehouse)
    # A warehouse query's row order is not guaranteed: order by time and id so that the data
    # hash, the time split and every seeded step see the same rows in the same order each run.
    order = [c for c in (spec.data.time_column, spec.data.id_column) if c and c in raw.columns]
    if order:
        raw = raw.sort(order)
    check_columns(spec, column_kinds(raw), origin)
    frame = add_derived(raw, [f.name for f in spec.features])
    if spec.data.time_column:
        frame = frame.sort(spec.data.time_column, maintain_order=True)
    y = target_vector(spec, frame)
    if y.sum() == 0 or y.sum() == len(y):
        raise SpecError(
            f"{origin}: target.bad_values: {spec.target.bad_values} gives "
            f"{int(y.sum())} bad rows of {len(y)}; a model needs both goods and bads"
        )
    return CreditData(frame=frame, y=y, data_hash=frame_hash(raw))


def infer_csv_spec_doc(
    path: Path, target: str, bad_values: list[str] | None = None
) -> dict[str, Any]:
    """A scorecard spec for any CSV: every other column a feature, kinds inferred.

    The bad value defaults to the minority class of the target column.
    """
    frame = pl.read_csv(path, infer_schema_length=None)
    if target not in frame.columns:
        raise SpecError(
            f"--target: {target!r} is not a column of {path}; columns: {', '.join(frame.columns)}"
        )
    kinds = column_kinds(frame)
    if bad_values is None:
        counts = frame[target].cast(pl.String).value_counts(sort=True)
        bad_values = [counts[target][-1]]
    features = [
        {"name": c, "type": "categorical" if kinds[c] != "numeric" else "numeric"}
        for c in frame.columns
        if c != target
    ]
    return {
        "name": "benchmark",
        "description": f"Scorecard on {path.name}, inferred by `hisaab risk credit benchmark`.",
        "data": {"source": "csv", "path": str(path)},
        "target": {"column": target, "bad_values": bad_values},
        "split": {"method": "cv", "folds": 5},
        "features": features,
        "binning": {"max_n_bins": 6, "min_bin_size": 0.05},
        "algorithm": {"kind": "scorecard"},
    }
