"""The credit model spec: what a risk analyst edits (``models/*.yaml``) instead of code.

A spec names the data source, the target, the features (type, monotone direction, the
sentence an applicant is told), the binning, the algorithm (points scorecard or monotone
gradient boosting), calibration, score scaling (points, odds, PDO), the decision policy
(approve / refer / decline, credit-limit tiers) and the fairness slices to report.

``load_spec(path)`` fails fast with ``SpecError`` naming the file and the field
(``models/bnpl_credit.yaml: policy.approve_max_pd: ...``); ``check_columns`` does the same for
features that the data does not have or whose type does not match. The JSON schema the YAML
follows (``models/credit_spec.schema.json``) is generated from these classes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "models" / "credit_spec.schema.json"

Monotonic = Literal["increasing", "decreasing", "auto", "none"]
FeatureType = Literal["numeric", "categorical"]


class SpecError(ValueError):
    """A spec with a mistake; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSource(_Strict):
    source: Literal["warehouse", "csv"] = Field(
        description="warehouse: a table of the DuckDB warehouse; csv: a CSV file."
    )
    table: str | None = Field(None, description="Warehouse table, e.g. marts.fct_x.")
    path: str | None = Field(None, description="CSV path, relative to the spec file or absolute.")
    id_column: str | None = Field(None, description="Row id carried into decisions.")
    time_column: str | None = Field(
        None, description="Sortable period column for the time-based hold-out and PSI."
    )

    @model_validator(mode="after")
    def _one_location(self) -> DataSource:
        if self.source == "warehouse" and not self.table:
            raise ValueError("table is required when source is warehouse")
        if self.source == "csv" and not self.path:
            raise ValueError("path is required when source is csv")
        return self


class Target(_Strict):
    column: str
    bad_values: list[str | int | bool] = Field(
        description="Values of the target column that mean default (bad)."
    )


class Split(_Strict):
    method: Literal["time", "cv"] = Field(
        description="time: train on earlier periods, hold out the latest; cv: stratified k-fold."
    )
    holdout_periods: int = Field(1, ge=1, description="Latest periods held out (time).")
    folds: int = Field(5, ge=2, le=20, description="Folds (cv).")
    seed: int = 0


class Feature(_Strict):
    name: str
    type: FeatureType
    monotonic: Monotonic = Field(
        "auto",
        description="How default risk moves as the value grows: increasing, decreasing, "
        "auto (the binning picks one direction) or none (numeric: any shape).",
    )
    reason: str | None = Field(
        None,
        description="Plain-language reason an applicant is told when this feature costs points.",
    )


class Binning(_Strict):
    max_n_bins: int = Field(6, ge=2, le=20)
    min_bin_size: float = Field(0.05, gt=0, lt=0.5, description="Smallest bin, share of rows.")
    min_iv: float = Field(0.0, ge=0, description="Drop features whose information value is lower.")


class ScorecardParams(_Strict):
    c: float = Field(1.0, gt=0, description="Inverse L2 strength of the logistic regression.")


class GbmParams(_Strict):
    max_iter: int = Field(200, ge=1, le=5000)
    learning_rate: float = Field(0.05, gt=0, le=1)
    max_leaf_nodes: int = Field(15, ge=2, le=255)
    min_samples_leaf: int = Field(40, ge=1)
    l2_regularization: float = Field(1.0, ge=0)


class Algorithm(_Strict):
    kind: Literal["scorecard", "gbm"]
    scorecard: ScorecardParams = ScorecardParams()
    gbm: GbmParams = GbmParams()


class Calibration(_Strict):
    """A calibration layer on the PD, fitted on rows the model was not fitted on.

    Rows the model was fitted on look better calibrated than new ones (in-sample), and the
    hold-out must stay untouched, so the layer gets its own slice: the latest ``periods`` before
    the hold-out (time split), or a stratified ``share`` of each training fold (cv).
    """

    method: Literal["none", "platt", "isotonic"] = Field(
        "none",
        description="none; platt: logistic regression on the model's log-odds (two numbers, "
        "fixes a shifted or too steep PD); isotonic: monotone step function (needs thousands "
        "of rows, ties PDs within a step).",
    )
    periods: int = Field(
        1,
        ge=1,
        description="time split: the latest periods before the hold-out, kept out of the "
        "model fit and used to fit the calibration layer.",
    )
    share: float = Field(
        0.2,
        gt=0,
        lt=0.5,
        description="cv split: stratified share of each training fold kept out of the model "
        "fit and used to fit the calibration layer.",
    )


class Scaling(_Strict):
    base_score: float = Field(600, description="Score at the base odds.")
    base_odds: float = Field(50, gt=0, description="Good:bad odds at the base score.")
    pdo: float = Field(20, gt=0, description="Points to double the odds.")


class LimitTier(_Strict):
    max_pd: float = Field(gt=0, lt=1)
    limit_paise: int = Field(gt=0, description="Credit limit for PDs up to max_pd, paise.")


class Policy(_Strict):
    approve_max_pd: float = Field(gt=0, lt=1, description="Approve when PD <= this.")
    decline_min_pd: float = Field(gt=0, le=1, description="Decline when PD >= this; refer between.")
    limit_tiers: list[LimitTier] = Field(min_length=1)

    @model_validator(mode="after")
    def _possible(self) -> Policy:
        if self.approve_max_pd >= self.decline_min_pd:
            raise ValueError(
                f"approve_max_pd ({self.approve_max_pd}) must be below decline_min_pd "
                f"({self.decline_min_pd}): nobody could be referred"
            )
        pds = [t.max_pd for t in self.limit_tiers]
        if pds != sorted(pds) or len(set(pds)) != len(pds):
            raise ValueError("limit_tiers must be in increasing max_pd order")
        limits = [t.limit_paise for t in self.limit_tiers]
        if limits != sorted(limits, reverse=True):
            raise ValueError("limit_tiers: a riskier tier may not get a higher limit")
        if pds[-1] < self.approve_max_pd:
            raise ValueError(
                f"limit_tiers end at max_pd {pds[-1]}, below approve_max_pd "
                f"{self.approve_max_pd}: some approvals would get no limit"
            )
        return self


class Slice(_Strict):
    column: str
    bins: list[float] | None = Field(None, description="Edges for a numeric column (age bands).")


class CreditSpec(_Strict):
    """A credit model spec (models/*.yaml)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = ""
    data: DataSource
    target: Target
    split: Split
    features: list[Feature] = Field(min_length=1)
    binning: Binning = Binning()
    algorithm: Algorithm
    calibration: Calibration = Calibration()
    scaling: Scaling = Scaling()
    policy: Policy | None = None
    fairness_slices: list[Slice] = []

    @model_validator(mode="after")
    def _consistent(self) -> CreditSpec:
        names = [f.name for f in self.features]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"features: {', '.join(dup)} listed twice")
        if self.target.column in names:
            raise ValueError(f"features: the target {self.target.column!r} cannot be a feature")
        if self.split.method == "time" and not self.data.time_column:
            raise ValueError("split.method time needs data.time_column")
        for i, f in enumerate(self.features):
            if f.type == "categorical" and f.monotonic in ("increasing", "decreasing"):
                raise ValueError(
                    f"features[{i}].monotonic: a categorical feature ({f.name}) has no order; "
                    "use auto or none"
                )
        return self

    def feature(self, name: str) -> Feature:
        return next(f for f in self.features if f.name == name)


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def parse_spec(doc: object, origin: str = "<spec>") -> CreditSpec:
    """Check a spec document; ``SpecError`` names the first wrong field."""
    try:
        return CreditSpec.model_validate(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{origin}: {_loc(tuple(err['loc']))}: {msg}")
        raise SpecError("\n".join(problems)) from None


def load_spec(path: Path | str) -> CreditSpec:
    """Read and check a spec file (YAML)."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: (document): not valid YAML: {exc}") from None
    spec = parse_spec(doc, str(path))
    if spec.data.source == "csv" and spec.data.path and not Path(spec.data.path).is_absolute():
        resolved = (path.parent / spec.data.path).resolve()
        spec = spec.model_copy(
            update={"data": spec.data.model_copy(update={"path": str(resolved)})}
        )
    return spec


def check_columns(spec: CreditSpec, columns: dict[str, str], origin: str = "<spec>") -> None:
    """Every feature, target, slice and data column exists with a type that fits.

    ``columns`` maps column name to ``numeric``, ``categorical`` or ``boolean`` (what the data
    has). A numeric feature on a text column is a wrong type; a categorical one on a number is
    allowed (codes).
    """
    problems = []
    known = ", ".join(sorted(columns))
    for i, f in enumerate(spec.features):
        kind = columns.get(f.name)
        if kind is None:
            problems.append(
                f"{origin}: features[{i}].name: unknown feature {f.name!r}; the data has: {known}"
            )
        elif f.type == "numeric" and kind == "categorical":
            problems.append(
                f"{origin}: features[{i}].type: {f.name!r} is text in the data, not numeric; "
                "declare it categorical"
            )
    if spec.target.column not in columns:
        problems.append(f"{origin}: target.column: unknown column {spec.target.column!r}")
    for key in ("id_column", "time_column"):
        col = getattr(spec.data, key)
        if col and col not in columns:
            problems.append(f"{origin}: data.{key}: unknown column {col!r}")
    for i, s in enumerate(spec.fairness_slices):
        if s.column not in columns:
            problems.append(f"{origin}: fairness_slices[{i}].column: unknown column {s.column!r}")
        elif s.bins and columns[s.column] != "numeric":
            problems.append(f"{origin}: fairness_slices[{i}].bins: {s.column!r} is not numeric")
    if problems:
        raise SpecError("\n".join(problems))


def spec_hash(spec: CreditSpec) -> str:
    """sha256 of the spec's canonical JSON: two specs that mean the same hash the same."""
    text = json.dumps(spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def json_schema() -> dict[str, object]:
    """The JSON schema specs follow (written to models/credit_spec.schema.json)."""
    schema = CreditSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://hisaab.example/schemas/credit_spec.schema.json"
    return schema


__all__ = [
    "CreditSpec",
    "Feature",
    "SpecError",
    "check_columns",
    "json_schema",
    "load_spec",
    "parse_spec",
    "spec_hash",
]
