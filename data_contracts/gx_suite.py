"""A contract as a Great Expectations 1.x suite, and a run of it on a polars frame.

Serves the platform operator, who watches data-quality results in Airflow and GE's own reports:
the suite holds the very rules of the contract (GE has no polars source, so the frame is handed
over as an Arrow-backed pandas frame through an ephemeral context, a pandas data source, a
dataframe asset and a whole-dataframe batch definition).

Mapping: every column -> ``ExpectColumnToExist``; ``required`` -> ``ExpectColumnValuesToNotBeNull``;
``validValues`` -> ``ExpectColumnValuesToBeInSet``; ``pattern`` -> ``ExpectColumnValuesToMatchRegex``;
bounds -> ``ExpectColumnValuesToBeBetween``; ``rowCount`` -> ``ExpectTableRowCountToBeBetween``;
arithmetic and conditional rules -> ``ExpectColumnValuesToBeInSet([True])`` on a helper column
(see ``gx_helpers``). Each expectation carries ``meta.rule_id`` so results map back to the rule.

Great Expectations is imported on first use only: it takes seconds to import, and the ingest
path (``row_failures``) does not need it.

Cost, measured on the 2-core machine with ``payu_settlement_lines`` (22 columns, 48
expectations): 1.5 s at 1M rows, 17-21 s and 9 GB peak at 10M rows, plus ~8 s to import GE once
per process; ``row_failures`` takes 0.04 s and 0.4 s. So the polars row rules decide quarantine,
and GE validates the rows that were loaded, in batches per dataset, as a second implementation
that must agree (``GxReport.error_free`` on loaded rows; equal ``unexpected_by_rule()`` counts
in the tests). An ingest benchmark should time the two separately and report GE's rows/s as
its own figure rather than hide it in, or leave it out of, the ingest throughput.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from data_contracts.checks import evaluated_rules
from data_contracts.gx_helpers import helper_column, helper_values, needs_helper
from data_contracts.model import AllowedValues, Contract, NotNull, Pattern, Range, RowCount, Rule

if TYPE_CHECKING:
    import great_expectations as gx

# No usage statistics leave the machine (no network at runtime).
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

PARTIAL_UNEXPECTED = 5
_GX_SEVERITY = {"error": "critical", "warning": "warning"}


@contextmanager
def _quiet() -> Iterator[None]:
    """GE's INFO logs, progress bars and deprecation warnings stay out of pipeline logs."""
    loggers = [logging.getLogger("great_expectations")] + [
        logger
        for name, logger in logging.Logger.manager.loggerDict.items()
        if name.startswith("great_expectations.") and isinstance(logger, logging.Logger)
    ]
    levels = [logger.level for logger in loggers]
    for logger in loggers:  # GE sets INFO on some of its own loggers
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _gxe() -> Any:
    """``great_expectations.expectations`` (its classes are not re-exported for type checkers)."""
    import great_expectations.expectations as gxe

    return gxe


def _expectation(rule: Rule) -> Any:
    gxe = _gxe()

    common: dict[str, Any] = {
        "meta": {"rule_id": rule.rule_id, "severity": rule.severity},
        "description": rule.description,
        "severity": _GX_SEVERITY[rule.severity],
    }
    if needs_helper(rule):
        return gxe.ExpectColumnValuesToBeInSet(
            column=helper_column(rule), value_set=[True], **common
        )
    if isinstance(rule, NotNull):
        return gxe.ExpectColumnValuesToNotBeNull(column=rule.column, **common)
    if isinstance(rule, AllowedValues):
        return gxe.ExpectColumnValuesToBeInSet(
            column=rule.column, value_set=list(rule.values), **common
        )
    if isinstance(rule, Pattern):
        return gxe.ExpectColumnValuesToMatchRegex(column=rule.column, regex=rule.pattern, **common)
    if isinstance(rule, Range):
        return gxe.ExpectColumnValuesToBeBetween(
            column=rule.column,
            min_value=rule.minimum,
            max_value=rule.maximum,
            strict_min=rule.exclusive_minimum,
            strict_max=rule.exclusive_maximum,
            **common,
        )
    if isinstance(rule, RowCount):
        return gxe.ExpectTableRowCountToBeBetween(
            min_value=rule.minimum,
            max_value=rule.maximum,
            strict_min=rule.exclusive_minimum,
            strict_max=rule.exclusive_maximum,
            **common,
        )
    raise TypeError(f"{rule.rule_id}: no GE expectation for {type(rule).__name__}")


def build_suite(contract: Contract, *, columns: Sequence[str] | None = None) -> gx.ExpectationSuite:
    """The contract's rules as a GE suite named after the dataset.

    ``columns`` (a frame's columns) leaves out the ingest-added columns a parser's output does not
    have yet, exactly as ``row_failures`` does; by default the whole lake schema is expected.
    """
    with _quiet():
        import great_expectations as gx

        gxe = _gxe()
        present = list(columns) if columns is not None else list(contract.column_names)
        expectations = [
            gxe.ExpectColumnToExist(column=name, meta={"rule_id": None, "schema": True})
            for name in contract.column_names
            if name in present or name not in contract.ingest_columns
        ]
        rules = evaluated_rules(contract, present) + list(contract.table_rules)
        return gx.ExpectationSuite(
            name=f"{contract.dataset}@{contract.version}",
            expectations=expectations + [_expectation(rule) for rule in rules],
            meta={"contract_id": contract.contract_id, "contract_version": contract.version},
        )


@dataclass(frozen=True)
class GxResult:
    """One expectation's outcome, with the contract rule it stands for."""

    expectation_type: str
    column: str | None
    rule_id: str | None
    severity: str | None
    success: bool
    unexpected_count: int | None
    unexpected_values: tuple[Any, ...]
    observed_value: Any = None
    exception: str | None = None


@dataclass(frozen=True)
class GxReport:
    """A GE validation of one frame against one contract."""

    dataset: str
    success: bool
    rows: int
    seconds: float  # the whole run: pandas conversion, helpers, context set-up, validation
    results: tuple[GxResult, ...]
    statistics: dict[str, Any] = field(default_factory=dict)

    def unexpected_by_rule(self) -> dict[str, int]:
        """``rule_id -> unexpected_count`` for the row rules (schema expectations left out)."""
        return {
            r.rule_id: r.unexpected_count
            for r in self.results
            if r.rule_id is not None and r.unexpected_count is not None
        }

    def failed(self) -> list[GxResult]:
        return [r for r in self.results if not r.success]

    @property
    def error_free(self) -> bool:
        """No failure that quarantines: only ``warning`` rules (flag-only) may have failed.

        ``success`` is GE's own verdict and is False on warnings too; loaded rows may carry
        warnings, so compare loaded rows with ``error_free``.
        """
        return all(r.severity == "warning" for r in self.failed())


def to_pandas(frame: pl.DataFrame, rules: Sequence[Rule] = ()) -> Any:
    """The frame as GE will see it, plus one helper column per rule that needs one.

    Arrow-backed (``use_pyarrow_extension_array=True``) so that integers with nulls stay exact
    integers and never become float. Integer columns *without* nulls become numpy ``int64``
    instead, equally exact: GE's pandas engine vectorises ``ExpectColumnValuesToBeBetween`` only
    for numpy dtypes and walks Arrow values one by one in Python (about 1.5 s per column per
    million rows).
    """
    import pandas as pd

    pdf = frame.to_pandas(use_pyarrow_extension_array=True)
    for name, dtype in frame.schema.items():
        if dtype.is_integer() and frame.get_column(name).null_count() == 0:
            pdf[name] = frame.get_column(name).to_numpy()
    helpers = {helper_column(r): helper_values(r, pdf) for r in rules if needs_helper(r)}
    if helpers:
        pdf = pd.concat([pdf, pd.DataFrame(helpers, index=pdf.index)], axis=1)
    return pdf


@contextmanager
def _no_fingerprint() -> Iterator[None]:
    """Skip GE's batch fingerprint while we validate.

    GE's pandas engine md5-hashes every batch under 1 GB to store a ``pandas_data_fingerprint``
    batch marker, twice per validation; for Arrow-backed date and timestamp columns pandas hashes
    value by value in Python, which was ~80% of the run time at 1M rows. The marker is used for
    nothing else, so its threshold is set to 0 for the duration of the run and restored after.
    """
    import great_expectations.execution_engine.pandas_execution_engine as engine

    threshold = engine.HASH_THRESHOLD
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = threshold


def _result(res: Any) -> GxResult:
    config = res.expectation_config
    meta = config.meta or {}
    body = res.result or {}
    exception = None
    if res.exception_info and res.exception_info.get("raised_exception"):
        exception = str(res.exception_info.get("exception_message"))
    return GxResult(
        expectation_type=config.type,
        column=config.kwargs.get("column"),
        rule_id=meta.get("rule_id"),
        severity=meta.get("severity"),
        success=bool(res.success),
        unexpected_count=body.get("unexpected_count"),
        unexpected_values=tuple(body.get("partial_unexpected_list", ()))[:PARTIAL_UNEXPECTED],
        observed_value=body.get("observed_value"),
        exception=exception,
    )


def validate_with_gx(contract: Contract, frame: pl.DataFrame) -> GxReport:
    """Run the contract's GE suite on ``frame`` in an ephemeral context (nothing written)."""
    started = time.perf_counter()
    with _quiet():
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        rules = evaluated_rules(contract, frame.columns)
        pdf = to_pandas(frame, rules)
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch_definition = (
            context.data_sources.add_pandas(name="hisaab")
            .add_dataframe_asset(name=contract.dataset)
            .add_batch_definition_whole_dataframe(name="whole_frame")
        )
        suite = context.suites.add(build_suite(contract, columns=frame.columns))
        with _no_fingerprint():
            batch = batch_definition.get_batch(batch_parameters={"dataframe": pdf})
            outcome = batch.validate(
                suite,
                result_format={
                    "result_format": "BASIC",
                    "partial_unexpected_count": PARTIAL_UNEXPECTED,
                },
            )
    return GxReport(
        dataset=contract.dataset,
        success=bool(outcome.success),
        rows=frame.height,
        seconds=time.perf_counter() - started,
        results=tuple(_result(r) for r in outcome.results),
        statistics=dict(outcome.statistics),
    )
