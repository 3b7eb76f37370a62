"""The ``quality`` blocks and bounds of a contract, read into rule objects.

Serves the quarantine and the finance analyst reading its reason codes: each rule gets a stable
``rule_id`` (``<dataset>.<column>.<kind>`` for library rules and bounds, ``<dataset>.<id>`` for
custom ``hisaab`` rules), plain words and a severity. Custom rules are small structures (``when``
plus ``equals`` / ``lessOrEqual`` / ``notNull`` over signed column terms), never expression text.
Anything outside the documented subset (``data_contracts/README.md``) fails the load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from data_contracts.model import (
    AllowedValues,
    Column,
    Compare,
    Condition,
    NotNull,
    Pattern,
    Range,
    RowCount,
    Rule,
    Severity,
    Term,
    bounds_text,
)
from data_contracts.reader import Reader

CUSTOM_ENGINE = "hisaab"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
TERM_RE = re.compile(r"^(-?)([a-z][a-z0-9_]*)$")
SEVERITIES: tuple[Severity, ...] = ("error", "warning")

_OPERATORS = {
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
}
_QUALITY_KEYS = _OPERATORS | {
    "id",
    "name",
    "description",
    "type",
    "metric",
    "rule",
    "arguments",
    "unit",
    "engine",
    "implementation",
    "dimension",
    "method",
    "severity",
    "businessImpact",
    "tags",
    "customProperties",
    "authoritativeDefinitions",
    "scheduler",
    "schedule",
    "query",
}
_NUMERIC_OPTIONS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
_COMPARABLE = ("integer", "number", "date", "timestamp")
_VALUE_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}
_IMPLEMENTATION_CHECKS = ("equals", "lessOrEqual", "notNull")


def _check_values(r: Reader, values: Sequence[Any], col: Column, field: str) -> None:
    """Listed values must be of the column's type: ``'1'`` never matches an integer column."""
    allowed = _VALUE_TYPES.get(col.logical_type)
    if allowed is None:
        r.fail(
            field,
            f"value lists are for string, integer, number or boolean columns, not {col.logical_type}",
        )
    for v in values:
        if not isinstance(v, allowed) or (isinstance(v, bool) and bool not in allowed):
            r.fail(field, f"{v!r} is not a {col.logical_type} value like column {col.name!r}")


def property_rules(
    r: Reader,
    dataset: str,
    col: Column,
    prop: Mapping[str, Any],
    by_name: dict[str, Column],
    field: str,
) -> list[Rule]:
    """A property's rules in a fixed order: ``required``, its ``quality`` entries, its bounds."""
    field = f"{field}({col.name})"
    rules: list[Rule] = []
    if col.required:
        rules.append(
            NotNull(
                rule_id=f"{dataset}.{col.name}.required",
                description=f"{col.name} must be present on every row",
                column=col.name,
                declared_at=f"{field}.required",
            )
        )
    for j, entry in enumerate(r.seq(prop.get("quality", []), f"{field}.quality", nonempty=False)):
        rule = quality_rule(r, dataset, col, entry, by_name, f"{field}.quality[{j}]")
        if rule is not None:
            rules.append(rule)
    options = r.mapping(prop.get("logicalTypeOptions", {}), f"{field}.logicalTypeOptions")
    if options:
        rules.append(_range_rule(r, dataset, col, options, f"{field}.logicalTypeOptions"))
    return rules


def _range_rule(
    r: Reader, dataset: str, col: Column, options: Mapping[str, Any], field: str
) -> Range:
    if col.logical_type not in ("integer", "number"):
        r.fail(field, f"only integer and number columns take bounds here, not {col.logical_type}")
    r.keys(options, _NUMERIC_OPTIONS, field)
    for key, value in options.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            r.fail(f"{field}.{key}", f"must be a number, got {value!r}")
    if "minimum" in options and "exclusiveMinimum" in options:
        r.fail(field, "give minimum or exclusiveMinimum, not both")
    if "maximum" in options and "exclusiveMaximum" in options:
        r.fail(field, "give maximum or exclusiveMaximum, not both")
    minimum = options.get("minimum", options.get("exclusiveMinimum"))
    maximum = options.get("maximum", options.get("exclusiveMaximum"))
    exclusive_minimum = "exclusiveMinimum" in options
    exclusive_maximum = "exclusiveMaximum" in options
    text = bounds_text(minimum, maximum, exclusive_minimum, exclusive_maximum)
    return Range(
        rule_id=f"{dataset}.{col.name}.range",
        description=f"{col.name} must be {text}",
        column=col.name,
        minimum=minimum,
        maximum=maximum,
        exclusive_minimum=exclusive_minimum,
        exclusive_maximum=exclusive_maximum,
        declared_at=field,
    )


def _severity(r: Reader, entry: Mapping[str, Any], field: str) -> Severity:
    severity = entry.get("severity", "error")
    if severity not in SEVERITIES:
        r.fail(f"{field}.severity", f"{severity!r} is not one of {', '.join(SEVERITIES)}")
    return severity  # type: ignore[no-any-return]


def _rule_name(r: Reader, entry: Mapping[str, Any], field: str, default: str | None) -> str:
    name = entry.get("id", default)
    if name is None:
        r.fail(f"{field}.id", "a custom rule needs an id (it becomes the stable rule_id)")
    if not isinstance(name, str) or not NAME_RE.match(name):
        r.fail(f"{field}.id", f"{name!r} must be snake_case")
    return name


def quality_rule(
    r: Reader,
    dataset: str,
    col: Column | None,
    entry: Any,
    by_name: dict[str, Column],
    field: str,
) -> Rule | None:
    """One ``quality`` entry (of a property when ``col`` is given, else of the object).

    ``None`` for ``type: text`` (documentation only); ``ContractError`` for anything unsupported.
    """
    entry = r.mapping(entry, field)
    r.keys(entry, _QUALITY_KEYS, field)
    if "rule" in entry:
        r.fail(f"{field}.rule", "deprecated since ODCS v3.1.0: use metric (e.g. invalidValues)")
    kind = entry.get("type", "library" if "metric" in entry else None)
    if kind == "text":
        r.text(entry.get("description"), f"{field}.description")
        return None  # documentation only: nothing to run
    if kind == "library":
        return _library_rule(r, dataset, col, entry, field)
    if kind == "custom":
        return _custom_rule(r, dataset, entry, by_name, field)
    if kind == "sql":
        r.fail(f"{field}.type", "sql rules are not run on lake frames; use a custom hisaab rule")
    r.fail(f"{field}.type", f"unknown rule type {kind!r} (known: library, custom, text)")


def _library_rule(
    r: Reader, dataset: str, col: Column | None, entry: Mapping[str, Any], field: str
) -> Rule:
    metric = entry.get("metric")
    severity = _severity(r, entry, field)
    operators = {k: entry[k] for k in _OPERATORS if k in entry}
    if metric == "invalidValues":
        if col is None:
            r.fail(f"{field}.metric", "invalidValues belongs on a property, not on the object")
        if operators != {"mustBe": 0}:
            r.fail(field, "row rules quarantine every offending row: write mustBe: 0")
        args = r.mapping(entry.get("arguments"), f"{field}.arguments")
        r.keys(args, {"validValues", "pattern"}, f"{field}.arguments")
        if len(args) != 1:
            r.fail(f"{field}.arguments", "give exactly one of validValues, pattern")
        name = _rule_name(r, entry, field, "valid_values" if "validValues" in args else "pattern")
        rule_id = f"{dataset}.{col.name}.{name}" if "id" not in entry else f"{dataset}.{name}"
        if "validValues" in args:
            values = r.seq(args["validValues"], f"{field}.arguments.validValues")
            _check_values(r, values, col, f"{field}.arguments.validValues")
            shown = ", ".join(str(v) for v in values)
            return AllowedValues(
                rule_id=rule_id,
                description=entry.get("description") or f"{col.name} must be one of {shown}",
                severity=severity,
                column=col.name,
                values=tuple(values),
                declared_at=field,
            )
        if col.logical_type != "string":
            r.fail(f"{field}.arguments.pattern", "patterns apply to string columns")
        pattern = r.text(args["pattern"], f"{field}.arguments.pattern")
        try:
            re.compile(pattern)
            pl.select(pl.lit("").str.contains(pattern))
        except Exception as exc:  # both engines must accept it: polars (rows), pandas (GE)
            r.fail(f"{field}.arguments.pattern", f"{pattern!r} is not a valid regex: {exc}")
        return Pattern(
            rule_id=rule_id,
            description=entry.get("description") or f"{col.name} must match {pattern}",
            severity=severity,
            column=col.name,
            pattern=pattern,
            declared_at=field,
        )
    if metric == "rowCount":
        if col is not None:
            r.fail(f"{field}.metric", "rowCount belongs on the object, not on a property")
        return _row_count(r, dataset, entry, operators, severity, field)
    if metric == "nullValues":
        r.fail(f"{field}.metric", "write required: true on the property instead of nullValues")
    if metric == "duplicateValues":
        r.fail(f"{field}.metric", "duplicates are flagged, not failed: declare naturalKey")
    r.fail(f"{field}.metric", f"unknown library metric {metric!r} (known: invalidValues, rowCount)")


def _row_count(
    r: Reader,
    dataset: str,
    entry: Mapping[str, Any],
    operators: dict[str, Any],
    severity: Severity,
    field: str,
) -> RowCount:
    bounds: dict[str, Any] = {}
    for op, value in operators.items():
        if op == "mustBeBetween":
            pair = r.seq(value, f"{field}.mustBeBetween")
            if len(pair) != 2:
                r.fail(f"{field}.mustBeBetween", "must be a list of two numbers")
            bounds.update(minimum=pair[0], maximum=pair[1])
        elif op == "mustBe":
            bounds.update(minimum=value, maximum=value)
        elif op in ("mustBeGreaterThan", "mustBeGreaterOrEqualTo"):
            bounds.update(minimum=value, exclusive_minimum=op == "mustBeGreaterThan")
        elif op in ("mustBeLessThan", "mustBeLessOrEqualTo"):
            bounds.update(maximum=value, exclusive_maximum=op == "mustBeLessThan")
        else:
            r.fail(f"{field}.{op}", "not supported for rowCount")
    if not bounds:
        r.fail(field, "rowCount needs an operator such as mustBeGreaterThan")
    for key in ("minimum", "maximum"):
        if key in bounds and (isinstance(bounds[key], bool) or not isinstance(bounds[key], int)):
            r.fail(field, f"row count bound {bounds[key]!r} must be an integer")
    name = _rule_name(r, entry, field, "row_count")
    text = bounds_text(
        bounds.get("minimum"),
        bounds.get("maximum"),
        bounds.get("exclusive_minimum", False),
        bounds.get("exclusive_maximum", False),
    )
    return RowCount(
        rule_id=f"{dataset}.{name}",
        description=entry.get("description") or f"the number of rows must be {text}",
        severity=severity,
        declared_at=field,
        **bounds,
    )


def _condition(r: Reader, when: Any, by_name: dict[str, Column], field: str) -> Condition:
    when = r.mapping(when, field)
    r.keys(when, {"column", "in", "notIn"}, field)
    column = r.text(when.get("column"), f"{field}.column")
    if column not in by_name:
        r.fail(f"{field}.column", f"{column!r} is not a property")
    if ("in" in when) == ("notIn" in when):
        r.fail(field, "give exactly one of in, notIn")
    key = "in" if "in" in when else "notIn"
    values = r.seq(when[key], f"{field}.{key}")
    _check_values(r, values, by_name[column], f"{field}.{key}")
    return Condition(column=column, values=tuple(values), negate=key == "notIn")


def _terms(r: Reader, side: Any, by_name: dict[str, Column], field: str) -> tuple[Term, ...]:
    terms = []
    for k, item in enumerate(r.seq(side, field)):
        m = TERM_RE.match(item) if isinstance(item, str) else None
        if not m:
            r.fail(f"{field}[{k}]", f"{item!r} is not a column name, optionally with a leading -")
        if m.group(2) not in by_name:
            r.fail(f"{field}[{k}]", f"{m.group(2)!r} is not a property")
        terms.append(Term(m.group(2), -1 if m.group(1) else 1))
    return tuple(terms)


def _custom_rule(
    r: Reader, dataset: str, entry: Mapping[str, Any], by_name: dict[str, Column], field: str
) -> Rule:
    engine = entry.get("engine")
    if engine != CUSTOM_ENGINE:
        r.fail(f"{field}.engine", f"{engine!r} is not run here; the only engine is {CUSTOM_ENGINE}")
    name = _rule_name(r, entry, field, None)
    description = r.text(entry.get("description"), f"{field}.description").strip()
    severity = _severity(r, entry, field)
    impl_field = f"{field}.implementation"
    impl = r.mapping(entry.get("implementation"), impl_field)
    r.keys(impl, {"when", *_IMPLEMENTATION_CHECKS}, impl_field)
    checks = [k for k in _IMPLEMENTATION_CHECKS if k in impl]
    if len(checks) != 1:
        r.fail(impl_field, f"give exactly one of {', '.join(_IMPLEMENTATION_CHECKS)}")
    when = _condition(r, impl["when"], by_name, f"{impl_field}.when") if "when" in impl else None
    rule_id = f"{dataset}.{name}"
    check = checks[0]
    if check == "notNull":
        column = r.text(impl["notNull"], f"{impl_field}.notNull")
        if column not in by_name:
            r.fail(f"{impl_field}.notNull", f"{column!r} is not a property")
        return NotNull(
            rule_id=rule_id,
            description=description,
            severity=severity,
            declared_at=field,
            column=column,
            when=when,
        )
    sides = r.mapping(impl[check], f"{impl_field}.{check}")
    r.keys(sides, {"left", "right"}, f"{impl_field}.{check}")
    left = _terms(r, sides.get("left"), by_name, f"{impl_field}.{check}.left")
    right = _terms(r, sides.get("right"), by_name, f"{impl_field}.{check}.right")
    types = {by_name[t.column].logical_type for t in left + right}
    arithmetic = len(left) > 1 or len(right) > 1 or any(t.sign < 0 for t in left + right)
    if arithmetic and types != {"integer"}:
        r.fail(f"{impl_field}.{check}", "sums and signs are for integer (paise) columns only")
    if len(types) != 1:
        r.fail(f"{impl_field}.{check}", f"compares columns of different types: {sorted(types)}")
    if check == "lessOrEqual" and types.pop() not in _COMPARABLE:
        r.fail(f"{impl_field}.{check}", "lessOrEqual needs numbers, dates or timestamps")
    return Compare(
        rule_id=rule_id,
        description=description,
        severity=severity,
        declared_at=field,
        left=left,
        op="==" if check == "equals" else "<=",
        right=right,
        when=when,
    )
