"""Indian number formatting for tables and metrics: ₹1,23,456 and 1,23,456."""

from __future__ import annotations

from typing import Any

import pandas as pd

from hisaab.money import format_inr, group_indian


def inr(paise: Any, *, decimals: bool = False) -> str:
    """Paise as rupees the Indian way (whole rupees unless ``decimals``); blank for missing."""
    if paise is None or (isinstance(paise, float) and pd.isna(paise)) or paise is pd.NA:
        return "—"
    return format_inr(int(paise), decimals=decimals)


def count(n: Any) -> str:
    """A count grouped the Indian way: 1,23,456."""
    if n is None or (isinstance(n, float) and pd.isna(n)):
        return "—"
    n = int(n)
    return ("-" if n < 0 else "") + group_indian(str(abs(n)))


def pct(rate: Any, digits: int = 2) -> str:
    if rate is None or (isinstance(rate, float) and pd.isna(rate)):
        return "—"
    return f"{float(rate) * 100:.{digits}f}%"


def money_columns(frame: pd.DataFrame, *, decimals: bool = True) -> pd.DataFrame:
    """A copy with every ``*_paise`` column shown as ₹ text (renamed without ``_paise``)."""
    out = frame.copy()
    for col in [c for c in out.columns if c.endswith("_paise")]:
        out[col.removesuffix("_paise") + " (₹)"] = out[col].map(lambda v: inr(v, decimals=decimals))
        out = out.drop(columns=col)
    return out
