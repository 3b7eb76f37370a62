"""Vectorised, exact field conversions shared by the CSV parsers (polars expressions).

Each ``*_expr`` returns the converted value or null; the parser then turns a null where the
source had text into a ``RowReject`` with the field named. No float ever touches money.
"""

from __future__ import annotations

import polars as pl

# Plain rupees with up to two decimals, optionally Indian/Western grouped, optional sign.
RUPEES_RE = r"^[+-]?(?:\d+|\d{1,2}(?:,\d{2})*,\d{3}|\d{1,3}(?:,\d{3})+)(?:\.\d{1,2})?$"
PAISE_RE = r"^[+-]?\d+$"


def rupees_to_paise(col: str | pl.Expr) -> pl.Expr:
    """Rupee text (``1,23,456.78``, ``-12.5``) -> int64 paise, or null when not exact rupees."""
    c = (pl.col(col) if isinstance(col, str) else col).str.strip_chars()
    valid = c.str.contains(RUPEES_RE)
    body = c.str.replace_all(",", "").str.strip_prefix("+")
    negative = body.str.starts_with("-")
    body = body.str.strip_prefix("-")
    whole = body.str.extract(r"^(\d+)", 1)
    frac = body.str.extract(r"\.(\d{1,2})$", 1).fill_null("").str.pad_end(2, "0")
    magnitude = whole.cast(pl.Int64, strict=False) * 100 + frac.cast(pl.Int64, strict=False)
    # 19 digits would overflow int64; such "amounts" are garbage anyway.
    ok = valid & (whole.str.len_chars() <= 15)
    return pl.when(ok).then(pl.when(negative).then(-magnitude).otherwise(magnitude))


def paise_text_to_int(col: str | pl.Expr) -> pl.Expr:
    """Integer paise text (Razorpay) -> int64, or null."""
    c = (pl.col(col) if isinstance(col, str) else col).str.strip_chars()
    return pl.when(c.str.contains(PAISE_RE) & (c.str.len_chars() <= 16)).then(
        c.cast(pl.Int64, strict=False)
    )


def ist_to_utc(col: str | pl.Expr, fmt: str) -> pl.Expr:
    """IST wall-clock text in ``fmt`` -> UTC timestamp (µs), or null when not a real time."""
    c = pl.col(col) if isinstance(col, str) else col
    return (
        c.str.strip_chars()
        .str.strptime(pl.Datetime("us"), fmt, strict=False)
        .dt.replace_time_zone("Asia/Kolkata")
        .dt.convert_time_zone("UTC")
    )


def epoch_to_utc(col: str | pl.Expr) -> pl.Expr:
    """Unix epoch seconds text -> UTC timestamp, or null."""
    c = (pl.col(col) if isinstance(col, str) else col).str.strip_chars()
    secs = pl.when(c.str.contains(r"^\d{9,11}$")).then(c.cast(pl.Int64, strict=False))
    return pl.from_epoch(secs, time_unit="s").dt.cast_time_unit("us").dt.replace_time_zone("UTC")


def ist_business_date(ts_utc: str | pl.Expr) -> pl.Expr:
    """The IST business date of a UTC timestamp."""
    c = pl.col(ts_utc) if isinstance(ts_utc, str) else ts_utc
    return c.dt.convert_time_zone("Asia/Kolkata").dt.date()
