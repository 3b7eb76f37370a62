"""The monitoring rules as the compliance officer writes them: one YAML file per rule.

Each rule names its kind (the SQL that evaluates it, in ``rule_sql``), the entity it watches
(an account, or the owner behind all connected accounts), a window, thresholds, a severity and
a plain-words description, and carries a version that goes with every hit it raises. A file
with an unknown key, kind or threshold is refused with a message naming the file and the field,
so a rule that would not be enforced is never silently accepted.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

RULES_DIR = Path(__file__).resolve().parent / "rules"
Severity = Literal["low", "medium", "high", "critical"]

# Thresholds each kind understands, with their types; anything else in a rule file is refused.
KIND_THRESHOLDS: dict[str, dict[str, type]] = {
    "structuring_cutoff": {"cutoffs_paise": list, "band": float, "min_count": int},
    "structuring_monthly": {"monthly_threshold_paise": int, "band": float, "min_count": int},
    "velocity_spike": {"multiple": float, "min_paise": int, "min_count": int},
    "rapid_pass_through": {"min_inflow_paise": int, "hours": int, "min_out_ratio": float},
    "fan_in": {"min_counterparties": int, "min_new_share": float, "baseline_multiple": float},
    "fan_out": {"min_counterparties": int, "min_new_share": float, "baseline_multiple": float},
    "cycle": {"min_paise": int, "min_length": int, "max_length": int, "min_hop_ratio": float},
    "scatter_gather": {
        "min_leg_paise": int,
        "hours": int,
        "min_intermediaries": int,
        "min_leg_ratio": float,
    },
    "dormant_reactivation": {"dormant_days": int, "min_account_age_days": int, "min_paise": int},
    "round_amounts": {
        "unit_paise": int,
        "min_paise": int,
        "min_count": int,
        "new_counterparties_only": bool,
    },
    "high_risk_counterparty": {"countries": list, "mccs": list, "min_mcc_paise": int},
}
OWNER_KINDS = frozenset({"structuring_cutoff", "structuring_monthly"})


class RuleError(ValueError):
    """A rule file that cannot be enforced as written."""


class Rule(BaseModel):
    """One monitoring rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    kind: str
    typology: str | None = None
    entity: Literal["account", "owner"]
    window_days: int = Field(ge=1, le=62)
    lookback_days: int = Field(default=0, ge=0, le=120)
    severity: Severity
    threshold: dict[str, Any]
    description: str = Field(min_length=20)
    enabled: bool = True

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in KIND_THRESHOLDS:
            raise ValueError(f"unknown kind {v!r}; known: {', '.join(sorted(KIND_THRESHOLDS))}")
        return v

    def model_post_init(self, _ctx: Any) -> None:
        expected = KIND_THRESHOLDS[self.kind]
        unknown = set(self.threshold) - set(expected)
        missing = set(expected) - set(self.threshold)
        if unknown:
            raise ValueError(f"threshold: unknown key(s) {sorted(unknown)} for kind {self.kind}")
        if missing:
            raise ValueError(f"threshold: missing key(s) {sorted(missing)} for kind {self.kind}")
        for key, typ in expected.items():
            value = self.threshold[key]
            ok = (
                isinstance(value, typ)
                if typ is not float
                else isinstance(value, int | float) and not isinstance(value, bool)
            )
            if typ is int and isinstance(value, bool):
                ok = False
            if not ok:
                raise ValueError(f"threshold.{key}: expected {typ.__name__}, got {value!r}")
        want_entity = "owner" if self.kind in OWNER_KINDS else "account"
        if self.entity != want_entity:
            raise ValueError(f"entity: kind {self.kind} watches the {want_entity}")

    @property
    def needs_days(self) -> int:
        """Days of history before the first evaluated day that the rule reads."""
        extra = {"structuring_monthly": 31, "dormant_reactivation": 0}.get(self.kind, 0)
        return max(self.window_days, self.lookback_days, extra) + 1

    def t(self, key: str) -> Any:
        return self.threshold[key]


def load_rule_file(path: Path) -> Rule:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise RuleError(f"{path}: a rule file is a mapping")
    try:
        rule = Rule(**doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise RuleError(f"{path}: {where + ': ' if where else ''}{msg}") from exc
    if rule.id != path.stem:
        raise RuleError(f"{path}: id {rule.id!r} must match the file name {path.stem!r}")
    return rule


@cache
def _load_dir(rules_dir: Path) -> tuple[Rule, ...]:
    return tuple(load_rule_file(p) for p in sorted(rules_dir.glob("*.yaml")))


def load_rules(rules_dir: Path | None = None, enabled_only: bool = True) -> list[Rule]:
    """Every rule in ``rules_dir`` (default: the shipped ``risk/aml/rules``), sorted by id."""
    rules = list(_load_dir((rules_dir or RULES_DIR).resolve()))
    return [r for r in rules if r.enabled or not enabled_only]
