"""Polars dtype names as written in a contract's ``physicalType``, both ways.

Serves the ingest layer, which types every lake column from the contract (the contract is the only
copy of each dataset's schema): ``"Datetime(us, UTC)"`` in the YAML becomes
``pl.Datetime("us", "UTC")`` here, by a small table and two patterns (never ``eval``).
"""

from __future__ import annotations

import re

import polars as pl

_SIMPLE: dict[str, pl.DataType] = {
    "String": pl.String(),
    "Boolean": pl.Boolean(),
    "Date": pl.Date(),
    "Int8": pl.Int8(),
    "Int16": pl.Int16(),
    "Int32": pl.Int32(),
    "Int64": pl.Int64(),
    "UInt8": pl.UInt8(),
    "UInt16": pl.UInt16(),
    "UInt32": pl.UInt32(),
    "UInt64": pl.UInt64(),
    "Float32": pl.Float32(),
    "Float64": pl.Float64(),
}
_DATETIME_RE = re.compile(r"^Datetime\((ms|us|ns)(?:,\s*([A-Za-z_]+(?:/[A-Za-z_]+)*))?\)$")
_LIST_RE = re.compile(r"^List\((.+)\)$")

# ODCS logicalType -> predicate on the polars dtype that may carry it.
_LOGICAL: dict[str, tuple[str, ...]] = {
    "string": ("String",),
    "boolean": ("Boolean",),
    "date": ("Date",),
    "timestamp": ("Datetime",),
    "integer": ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"),
    "number": ("Float32", "Float64"),
    "array": ("List",),
}
LOGICAL_TYPES = tuple(_LOGICAL)


def parse_physical_type(text: str) -> pl.DataType:
    """``"Int64"``, ``"Datetime(us, UTC)"``, ``"List(String)"`` -> the polars dtype.

    Raises ``ValueError`` naming the text when it is not a dtype this module knows.
    """
    text = text.strip()
    if text in _SIMPLE:
        return _SIMPLE[text]
    m = _DATETIME_RE.match(text)
    if m:
        return pl.Datetime(m.group(1), m.group(2))  # type: ignore[arg-type]
    m = _LIST_RE.match(text)
    if m:
        return pl.List(parse_physical_type(m.group(1)))
    raise ValueError(
        f"unknown physicalType {text!r}; use a polars dtype name such as"
        " String, Int64, Boolean, Date, Datetime(us, UTC), List(String)"
    )


def physical_type_name(dtype: pl.DataType) -> str:
    """The contract spelling of a polars dtype (inverse of ``parse_physical_type``)."""
    if isinstance(dtype, pl.Datetime):
        zone = f", {dtype.time_zone}" if dtype.time_zone else ""
        return f"Datetime({dtype.time_unit}{zone})"
    if isinstance(dtype, pl.List):
        inner = dtype.inner
        return f"List({physical_type_name(inner() if isinstance(inner, type) else inner)})"
    return str(dtype.base_type().__name__)


def fits_logical_type(logical_type: str, dtype: pl.DataType) -> bool:
    """Whether a polars dtype can carry an ODCS ``logicalType``."""
    return dtype.base_type().__name__ in _LOGICAL.get(logical_type, ())
