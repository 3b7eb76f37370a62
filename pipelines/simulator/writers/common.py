"""Vectorised formatting shared by the gateway file writers (exact: integers only)."""

from __future__ import annotations

import polars as pl


def rupees(col: str | pl.Expr) -> pl.Expr:
    """Paise column -> rupee string with two decimals (``-123.05``), exact."""
    c = pl.col(col) if isinstance(col, str) else col
    a = c.abs()
    return pl.concat_str(
        pl.when(c < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (a // 100).cast(pl.String),
        pl.lit("."),
        (a % 100).cast(pl.String).str.zfill(2),
    )


def ist(col: str, fmt: str) -> pl.Expr:
    """UTC timestamp column -> IST wall-clock text in ``fmt``."""
    return pl.col(col).dt.convert_time_zone("Asia/Kolkata").dt.strftime(fmt)


def epoch_seconds(col: str) -> pl.Expr:
    return pl.col(col).dt.epoch("s").cast(pl.String)
