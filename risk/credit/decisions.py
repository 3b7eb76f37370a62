"""Credit decisions for BNPL applicants, one at a time (online) or many (batch), always logged.

Serves the applicant and the lender's audit trail: each decision carries the probability of
default, the score, approve / refer / decline, the credit limit in paise, the top four reasons
in plain language (from the model's own points) and the model version that decided.

``decide(application, model)`` is the pure function ``POST /v1/bnpl/credit-decisions`` calls
(the API is built elsewhere; it is not wired here). ``DecisionLog`` appends every online decision
as one JSON line; ``write_decisions`` stores a batch in the warehouse (``risk.credit_decisions``),
replacing earlier rows of the same model version and applications, so a re-run is idempotent.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from risk.credit.model import TOP_REASONS, CreditModel

DECISIONS_TABLE = "risk.credit_decisions"


class ApplicationError(ValueError):
    """An application the model cannot score; the message names the missing or bad fields."""


@dataclass(frozen=True)
class ReasonCode:
    code: str  # the feature, e.g. bureau_score
    text: str  # what the applicant is told
    points_lost: float


@dataclass(frozen=True)
class CreditDecision:
    application_id: str | None
    probability_of_default: float
    score: int
    decision: str  # approve | refer | decline
    credit_limit_paise: int
    reason_codes: list[ReasonCode]
    model_name: str
    model_version: str
    decided_at: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def required_fields(model: CreditModel) -> list[str]:
    """Raw application fields the model needs (derived ratios expanded to their inputs)."""
    from risk.credit.features import DERIVED_FEATURES

    out: list[str] = []
    for name in model.feature_names:
        needs = DERIVED_FEATURES[name][0] if name in DERIVED_FEATURES else (name,)
        out += [n for n in needs if n not in out]
    return out


def decide(application: dict[str, Any], model: CreditModel) -> CreditDecision:
    """Decide one application (a dict of the mart's columns; derived ratios are computed)."""
    needed = required_fields(model)
    missing = [f for f in needed if f not in application]
    if missing:
        raise ApplicationError(f"application lacks {', '.join(missing)}")
    categorical = {f.name for f in model.spec.features if f.type == "categorical"}
    wrong = []
    for name in needed:
        value = application[name]
        if value is None:
            continue  # unknown: scored in the feature's missing bin
        if name in categorical:
            ok = isinstance(value, str)
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            ok = ok and math.isfinite(value)
        if not ok:
            kind = "text" if name in categorical else "a finite number"
            wrong.append(f"{name}: expected {kind}, got {value!r}")
    if wrong:
        raise ApplicationError("; ".join(wrong))
    try:
        row = model.decide_one(application)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ApplicationError(f"application cannot be scored: {exc}") from None
    reasons = [
        ReasonCode(row[f"reason_code_{i}"], row[f"reason_text_{i}"], float(row[f"points_lost_{i}"]))
        for i in range(1, TOP_REASONS + 1)
        if row[f"reason_code_{i}"] is not None
    ]
    id_col = model.spec.data.id_column
    return CreditDecision(
        application_id=str(application[id_col]) if id_col and id_col in application else None,
        probability_of_default=float(row["probability_of_default"]),
        score=int(row["score"]),
        decision=row["decision"],
        credit_limit_paise=int(row["credit_limit_paise"]),
        reason_codes=reasons,
        model_name=row["model_name"],
        model_version=row["model_version"],
        decided_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
    )


class DecisionLog:
    """Append-only JSON lines, one file per UTC day: every online decision with its model version."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    @classmethod
    def default(cls) -> DecisionLog:
        from hisaab.settings import get_settings

        return cls(get_settings().data_dir / "risk" / "decision_log")

    def path_for(self, day: str) -> Path:
        return self.root / f"credit_decisions-{day}.jsonl"

    def append(self, decision: CreditDecision, application: dict[str, Any] | None = None) -> Path:
        record = decision.to_json()
        if application is not None:
            record["application"] = {k: _plain(v) for k, v in application.items()}
        path = self.path_for(decision.decided_at[:10])
        line = json.dumps(record, sort_keys=True, default=str) + "\n"
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        return path

    def read(self) -> list[dict[str, Any]]:
        rows = []
        for p in sorted(self.root.glob("credit_decisions-*.jsonl")):
            rows += [json.loads(line) for line in p.read_text().splitlines() if line]
        return rows


def _plain(v: Any) -> Any:
    return v if isinstance(v, str | int | float | bool) or v is None else str(v)


def write_decisions(warehouse: Path, decisions: pl.DataFrame) -> int:
    """Store batch decisions in ``risk.credit_decisions`` (idempotent per model version)."""
    import duckdb

    frame = decisions.with_columns(scored_at=pl.lit(datetime.now(UTC)))
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists risk")
        con.register("_decisions", frame.to_arrow())
        con.execute(
            f"create table if not exists {DECISIONS_TABLE} as select * from _decisions where false"
        )
        id_col = frame.columns[0]
        con.execute(
            f"delete from {DECISIONS_TABLE} t using _decisions d "
            f"where t.model_version = d.model_version and t.model_name = d.model_name "
            f"and t.{id_col} = d.{id_col}"
        )
        con.execute(f"insert into {DECISIONS_TABLE} by name select * from _decisions")
        con.unregister("_decisions")
    return frame.height
