"""The break queue as finance sees it: the API's list (decisions applied) as a frame, and filters."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboards.api_client import Api

AGE_BUCKETS = [(0, 1, "0-1 days"), (2, 3, "2-3 days"), (4, 7, "4-7 days"), (8, 10**6, "8+ days")]
OPEN_STATUSES = ("open", "investigating")
CLOSED_STATUSES = ("resolved", "written_off")


def age_bucket(days: int | None) -> str:
    if days is None or pd.isna(days):
        return "unknown"
    for lo, hi, label in AGE_BUCKETS:
        if lo <= int(days) <= hi:
            return label
    return "unknown"


def queue(api: Api) -> pd.DataFrame:
    """Every break in the current queue with its status (one API call, not cached: it changes)."""
    items = api.get("/staff/recon/breaks", status="all", limit=5000)["items"]
    frame = pd.DataFrame(items)
    if frame.empty:
        return frame
    frame["age_bucket"] = frame["age_business_days"].map(age_bucket)
    return frame


@dataclass
class BreakFilter:
    kinds: list[str]
    statuses: list[str]
    gateways: list[str]
    min_amount_rupees: int = 0
    text: str = ""

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        out = frame
        if self.kinds:
            out = out[out["kind"].isin(self.kinds)]
        if self.statuses:
            out = out[out["status"].isin(self.statuses)]
        if self.gateways:
            out = out[out["gateway"].isin(self.gateways)]
        if self.min_amount_rupees:
            out = out[out["amount_at_risk_paise"] >= self.min_amount_rupees * 100]
        if self.text.strip():
            needle = self.text.strip().lower()
            keys = [
                "break_id",
                "payment_id",
                "gateway_payment_id",
                "settlement_utr",
                "bank_utr",
                "rrn",
                "merchant_id",
            ]
            mask = pd.Series(False, index=out.index)
            for k in keys:
                mask |= out[k].fillna("").astype(str).str.lower().str.contains(needle, regex=False)
            out = out[mask]
        return out
