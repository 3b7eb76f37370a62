"""The contract's checks as polars expressions: what decides a file's or a row's quarantine.

Serves the ingest layer (reject a file whose schema is wrong, quarantine each failing row with a
reason code, flag duplicates) and, through the quarantine screen, the finance analyst who reads
why a row was held back: messages carry the offending values in plain words, e.g.
``net_amount_paise 1000 ≠ amount_paise 1200 − service_fee_paise 150 − service_tax_paise 30``.

Every row rule is compiled once to a boolean "fails" expression; all of them are evaluated in one
parallel ``select``, and messages are built only for the failing rows, so a clean 10M-row frame
costs a single pass.
"""

from __future__ import annotations

from functools import reduce
from typing import Literal

import polars as pl

from data_contracts.dtypes import physical_type_name
from data_contracts.model import (
    AllowedValues,
    Compare,
    Condition,
    Contract,
    NotNull,
    Pattern,
    Range,
    RowCount,
    Rule,
    Term,
)

Stage = Literal["parsed", "lake"]

FAILURE_SCHEMA: dict[str, pl.DataType] = {
    "row_index": pl.Int64(),
    "rule_id": pl.String(),
    "reason_code": pl.String(),
    "severity": pl.String(),
    "message": pl.String(),
}


def schema_problems(contract: Contract, frame: pl.DataFrame, *, stage: Stage = "lake") -> list[str]:
    """Missing, mistyped and unexpected columns; an empty list means the schema is right.

    ``stage="parsed"`` checks a parser's output, before the ingest layer adds its own columns
    (``source``, ``file_sha256``, ...); ``"lake"`` checks a frame about to be written.
    The caller rejects the whole file when this is not empty.
    """
    expected = contract.polars_schema if stage == "lake" else contract.parsed_schema
    problems = []
    for name, dtype in expected.items():
        if name not in frame.schema:
            problems.append(f"missing column {name!r} ({physical_type_name(dtype)})")
        elif frame.schema[name] != dtype:
            problems.append(
                f"column {name!r} is {physical_type_name(frame.schema[name])},"
                f" the contract says {physical_type_name(dtype)}"
            )
    allowed = set(contract.polars_schema)
    for name in frame.columns:
        if name not in allowed:
            problems.append(f"unexpected column {name!r}: not in the {contract.dataset} contract")
    return problems


def table_problems(contract: Contract, frame: pl.DataFrame) -> list[str]:
    """Table-level rules (row counts) that the frame breaks, as ``"<rule_id>: <words>"``."""
    return [
        f"{rule.rule_id}: {frame.height} rows, must be {rule.bounds_text()}"
        for rule in contract.table_rules
        if isinstance(rule, RowCount) and not rule.accepts(frame.height)
    ]


def duplicate_flag(contract: Contract) -> pl.Expr:
    """True on every row whose natural key already appeared on an earlier row of the frame.

    Duplicates are flagged (``is_duplicate_in_file``), never quarantined; nulls in a key column
    compare equal, so two captures with no ``refund_id`` and the same ``payuid`` are duplicates.
    """
    return pl.struct(list(contract.natural_key)).is_first_distinct().not_()


def evaluated_rules(contract: Contract, columns: list[str] | tuple[str, ...]) -> list[Rule]:
    """The row rules to run on a frame with ``columns``.

    Rules over ingest-added columns are skipped when those columns are not there yet (a parser's
    output); any other missing column is an error: check ``schema_problems`` first.
    """
    present = set(columns)
    ingest = set(contract.ingest_columns)
    rules = []
    for rule in contract.row_rules:
        missing = [c for c in rule.columns if c not in present]
        if not missing:
            rules.append(rule)
        elif not set(missing) <= ingest:
            raise ValueError(
                f"{rule.rule_id} needs column(s) {', '.join(missing)}, absent from the frame:"
                " reject the file on schema_problems() before checking rows"
            )
    return rules


def row_failures(contract: Contract, frame: pl.DataFrame) -> pl.DataFrame:
    """One row per (row, failed rule): ``row_index`` (0-based), ``rule_id``, ``reason_code``,
    ``severity`` (``error`` quarantines, ``warning`` only flags) and ``message``.

    Sorted by ``row_index``, then by the rule's order in the contract.
    """
    rules = evaluated_rules(contract, frame.columns)
    if not rules or frame.height == 0:
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    fails = frame.select(fails_expr(rule).alias(str(i)) for i, rule in enumerate(rules))
    counts = fails.select(pl.all().sum()).row(0)
    parts = []
    for i, rule in enumerate(rules):
        if not counts[i]:
            continue
        idx = fails.get_column(str(i)).arg_true()
        subset = frame.select(rule.columns).gather(idx)
        parts.append(
            subset.select(
                row_index=pl.Series(idx).cast(pl.Int64),
                rule_id=pl.lit(rule.rule_id),
                reason_code=pl.lit(rule.reason_code),
                severity=pl.lit(rule.severity),
                message=message_expr(rule),
            )
        )
    if not parts:
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    return pl.concat(parts).sort("row_index", maintain_order=True)


def condition_expr(cond: Condition | None) -> pl.Expr:
    """Rows inside a rule's ``when`` (all rows without one); a null never qualifies."""
    if cond is None:
        return pl.lit(True)
    inside = pl.col(cond.column).is_in(list(cond.values))
    return (inside.not_() if cond.negate else inside).fill_null(False)


def sum_expr(terms: tuple[Term, ...]) -> pl.Expr:
    """``a - b + c`` with nulls propagating (unlike ``sum_horizontal``, which skips them)."""
    first, *rest = terms
    start = pl.col(first.column) if first.sign > 0 else -pl.col(first.column)
    return reduce(
        lambda acc, t: acc + pl.col(t.column) if t.sign > 0 else acc - pl.col(t.column),
        rest,
        start,
    )


def fails_expr(rule: Rule) -> pl.Expr:
    """Boolean, never null: True where the row breaks ``rule``."""
    if isinstance(rule, NotNull):
        out = pl.col(rule.column).is_null() & condition_expr(rule.when)
    elif isinstance(rule, AllowedValues):
        out = pl.col(rule.column).is_in(list(rule.values)).not_()
    elif isinstance(rule, Pattern):
        out = pl.col(rule.column).str.contains(rule.pattern).not_()
    elif isinstance(rule, Range):
        c = pl.col(rule.column)
        out = pl.lit(False)
        if rule.minimum is not None:
            out = out | ((c <= rule.minimum) if rule.exclusive_minimum else (c < rule.minimum))
        if rule.maximum is not None:
            out = out | ((c >= rule.maximum) if rule.exclusive_maximum else (c > rule.maximum))
    elif isinstance(rule, Compare):
        left, right = sum_expr(rule.left), sum_expr(rule.right)
        broken = (left != right) if rule.op == "==" else (left > right)
        out = broken & condition_expr(rule.when)
    else:
        raise TypeError(f"{rule.rule_id}: {type(rule).__name__} is not a row rule")
    return out.fill_null(False)


def _value(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).fill_null("null")


def _terms_text(terms: tuple[Term, ...]) -> list[pl.Expr]:
    parts: list[pl.Expr] = []
    for k, t in enumerate(terms):
        if k == 0:
            sign = "−" if t.sign < 0 else ""
        else:
            sign = " − " if t.sign < 0 else " + "
        parts += [pl.lit(f"{sign}{t.column} "), _value(t.column)]
    return parts


def message_expr(rule: Rule) -> pl.Expr:
    """Plain words with the offending values, evaluated on the failing rows only."""
    if isinstance(rule, NotNull):
        text = f"{rule.column} is missing"
        if rule.when:
            text += f" (required when {rule.when.describe()})"
        return pl.lit(text)
    if isinstance(rule, AllowedValues):
        allowed = ", ".join(str(v) for v in rule.values)
        return pl.concat_str(
            pl.lit(f"{rule.column} '"), _value(rule.column), pl.lit(f"' is not one of {allowed}")
        )
    if isinstance(rule, Pattern):
        return pl.concat_str(
            pl.lit(f"{rule.column} '"),
            _value(rule.column),
            pl.lit(f"' does not match {rule.pattern}"),
        )
    if isinstance(rule, Range):
        return pl.concat_str(
            pl.lit(f"{rule.column} is "),
            _value(rule.column),
            pl.lit(f", must be {rule.bounds_text()}"),
        )
    if isinstance(rule, Compare):
        symbol = "≠" if rule.op == "==" else ">"
        parts = [*_terms_text(rule.left), pl.lit(f" {symbol} "), *_terms_text(rule.right)]
        integer_sum = len(rule.left) + len(rule.right) > 2 or any(
            t.sign < 0 for t in rule.left + rule.right
        )
        if integer_sum:
            diff = (sum_expr(rule.left) - sum_expr(rule.right)).cast(pl.String)
            parts += [pl.lit(" (off by "), diff, pl.lit(")")]
        return pl.concat_str(parts)
    raise TypeError(f"{rule.rule_id}: {type(rule).__name__} is not a row rule")
