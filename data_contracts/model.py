"""The parsed form of a data contract: columns, keys and rules, as plain frozen dataclasses.

Serves every reader of a contract: the ingest layer (schema, natural key), the row checks that
decide quarantine, the Great Expectations suite, and the finance analyst who reads a rule's
``rule_id`` and ``description`` next to a quarantined row.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

Severity = Literal["error", "warning"]  # error: the row is quarantined; warning: flagged only
Scalar = str | int | float | bool


class ContractError(ValueError):
    """A contract file that cannot be used; the message names the file and the field."""


def bounds_text(
    minimum: float | None,
    maximum: float | None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> str:
    """``≥ 0``, ``> 0 and ≤ 10000``: bounds in plain symbols for descriptions and messages."""
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if exclusive_minimum else '≥'} {minimum}")
    if maximum is not None:
        parts.append(f"{'<' if exclusive_maximum else '≤'} {maximum}")
    return " and ".join(parts)


@dataclass(frozen=True, kw_only=True)
class Column:
    """One property of the contract's schema object: one lake column."""

    name: str
    logical_type: str
    physical_type: str
    dtype: pl.DataType
    required: bool
    description: str
    primary_key_position: int | None = None
    partition_key_position: int | None = None
    added_by_ingest: bool = False  # set by the ingest layer, not by the parser
    examples: tuple[object, ...] = ()


@dataclass(frozen=True)
class Condition:
    """``when`` of a rule: the rule applies only to rows whose ``column`` is (not) in ``values``.

    A row whose ``column`` is null is outside the condition either way.
    """

    column: str
    values: tuple[Scalar, ...]
    negate: bool = False  # True for ``notIn``

    def describe(self) -> str:
        shown = ", ".join(str(v) for v in self.values)
        if len(self.values) == 1:
            return f"{self.column} is {'not ' if self.negate else ''}{shown}"
        return f"{self.column} is {'not ' if self.negate else ''}one of {shown}"


@dataclass(frozen=True)
class Term:
    """A signed column in a sum: ``-fee_paise`` is ``Term("fee_paise", -1)``."""

    column: str
    sign: int = 1


@dataclass(frozen=True, kw_only=True)
class Rule(ABC):
    """What every rule has: a stable id, plain words, a severity, and where it was declared."""

    rule_id: str  # "<dataset>.<name>", stable: reason codes and break ids are built from it
    description: str
    severity: Severity = "error"
    declared_at: str = ""  # the YAML field path, for error messages

    @property
    def reason_code(self) -> str:
        return f"contract:{self.rule_id}"

    @property
    @abstractmethod
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads; every concrete rule kind (NotNull, Range, …) defines it."""

    @property
    def row_level(self) -> bool:
        return True


@dataclass(frozen=True, kw_only=True)
class NotNull(Rule):
    """``column`` must have a value (``required: true``, or a custom ``notNull`` with ``when``)."""

    column: str
    when: Condition | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,) + ((self.when.column,) if self.when else ())


@dataclass(frozen=True, kw_only=True)
class AllowedValues(Rule):
    """A non-null ``column`` must be one of ``values`` (ODCS ``invalidValues`` + ``validValues``)."""

    column: str
    values: tuple[Scalar, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)


@dataclass(frozen=True, kw_only=True)
class Pattern(Rule):
    """A non-null ``column`` must match the regex ``pattern`` (ODCS ``invalidValues`` + ``pattern``)."""

    column: str
    pattern: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)


@dataclass(frozen=True, kw_only=True)
class Range(Rule):
    """A non-null ``column`` must lie within bounds (ODCS ``logicalTypeOptions``)."""

    column: str
    minimum: int | float | None = None
    maximum: int | float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def bounds_text(self) -> str:
        return bounds_text(
            self.minimum, self.maximum, self.exclusive_minimum, self.exclusive_maximum
        )


@dataclass(frozen=True, kw_only=True)
class Compare(Rule):
    """Row arithmetic: ``sum(left) == sum(right)`` or ``sum(left) <= sum(right)``, maybe ``when``.

    Evaluated only where every term has a value (a missing value is the ``required`` rule's
    business), and only on rows inside ``when``.
    """

    left: tuple[Term, ...]
    op: Literal["==", "<="]
    right: tuple[Term, ...]
    when: Condition | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        cols = [t.column for t in self.left + self.right]
        if self.when:
            cols.append(self.when.column)
        return tuple(dict.fromkeys(cols))


@dataclass(frozen=True, kw_only=True)
class RowCount(Rule):
    """Table-level: the number of rows must lie within bounds (ODCS ``rowCount``)."""

    minimum: int | None = None
    maximum: int | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return ()

    @property
    def row_level(self) -> bool:
        return False

    def bounds_text(self) -> str:
        return bounds_text(
            self.minimum, self.maximum, self.exclusive_minimum, self.exclusive_maximum
        )

    def accepts(self, n: int) -> bool:
        if self.minimum is not None and (
            n <= self.minimum if self.exclusive_minimum else n < self.minimum
        ):
            return False
        if self.maximum is not None and (
            n >= self.maximum if self.exclusive_maximum else n > self.maximum
        ):
            return False
        return True


@dataclass(frozen=True, kw_only=True)
class Contract:
    """One dataset's contract. Build it with ``load_contract``; never by hand."""

    dataset: str
    contract_id: str
    version: str
    status: str
    api_version: str
    purpose: str
    path: Path
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    rules: tuple[Rule, ...]

    @property
    def polars_schema(self) -> dict[str, pl.DataType]:
        """The lake schema, in column order (ingest-added columns included)."""
        return {c.name: c.dtype for c in self.columns}

    @property
    def parsed_schema(self) -> dict[str, pl.DataType]:
        """What a parser emits: the lake schema less the columns the ingest layer adds."""
        return {c.name: c.dtype for c in self.columns if not c.added_by_ingest}

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def ingest_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.added_by_ingest)

    @property
    def primary_key(self) -> tuple[str, ...]:
        keyed = [c for c in self.columns if c.primary_key_position is not None]
        return tuple(c.name for c in sorted(keyed, key=lambda c: c.primary_key_position or 0))

    @property
    def row_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.row_level)

    @property
    def table_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if not r.row_level)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.dataset} has no column {name!r}")

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.rule_id == rule_id:
                return r
        raise KeyError(f"{self.dataset} has no rule {rule_id!r}")
