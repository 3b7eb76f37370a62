"""The break queue as finance sees it: pages of the API's list (decisions applied), and filters.

Filtering, counting and paging happen in the API, in DuckDB: a page holds ``PAGE_SIZE`` rows
however long the queue is. The filter choices (kinds, gateways) come from the warehouse,
read-only and cached; statuses come from the API (they change with every decision).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboards.api_client import Api
from dashboards.warehouse import NotBuilt, query

AGE_BUCKETS = [(0, 1, "0-1 days"), (2, 3, "2-3 days"), (4, 7, "4-7 days"), (8, 10**6, "8+ days")]
OPEN_STATUSES = ("open", "investigating")
CLOSED_STATUSES = ("resolved", "written_off")
STATUSES = (*OPEN_STATUSES, *CLOSED_STATUSES)
PAGE_SIZE = 100
EXPORT_BATCH = 5000  # the API's largest page


def age_bucket(days: int | None) -> str:
    if days is None or pd.isna(days):
        return "unknown"
    for lo, hi, label in AGE_BUCKETS:
        if lo <= int(days) <= hi:
            return label
    return "unknown"


@dataclass
class BreakFilter:
    kinds: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    min_amount_rupees: int = 0
    text: str = ""

    def params(self) -> list[tuple[str, Any]]:
        """The API's query parameters (a list repeats a parameter for several values)."""
        out: list[tuple[str, Any]] = [("kind", k) for k in self.kinds]
        out += [("status", s) for s in self.statuses] or [("status", "all")]
        out += [("gateway", g) for g in self.gateways]
        if self.min_amount_rupees:
            out.append(("min_amount_paise", int(self.min_amount_rupees) * 100))
        if self.text.strip():
            out.append(("q", self.text.strip()[:64]))
        return out


@dataclass(frozen=True)
class QueuePage:
    total: int
    amount_at_risk_paise: int
    offset: int
    frame: pd.DataFrame


def queue_page(api: Api, flt: BreakFilter, page: int = 0, size: int = PAGE_SIZE) -> QueuePage:
    """One page of the filtered queue (not cached: it changes with every decision)."""
    body = api.get_list(
        "/staff/recon/breaks", [*flt.params(), ("offset", page * size), ("limit", size)]
    )
    frame = pd.DataFrame(body["items"])
    if not frame.empty:
        frame["age_bucket"] = frame["age_business_days"].map(age_bucket)
    return QueuePage(body["total"], body["amount_at_risk_paise"], body["offset"], frame)


def export_csv(api: Api, flt: BreakFilter) -> bytes:
    """Every break the filter matches, as CSV (fetched page by page when the user asks)."""
    frames, offset = [], 0
    while True:
        body = api.get_list(
            "/staff/recon/breaks", [*flt.params(), ("offset", offset), ("limit", EXPORT_BATCH)]
        )
        frames.append(pd.DataFrame(body["items"]))
        offset += body["count"]
        if body["count"] < EXPORT_BATCH or offset >= body["total"]:
            break
    return pd.concat(frames, ignore_index=True).to_csv(index=False).encode()


def summary(api: Api) -> pd.DataFrame:
    """Breaks and amount at risk per kind, status, first-seen date and age bucket (the API
    aggregates in DuckDB; a few hundred rows at most)."""
    frame = pd.DataFrame(api.get("/staff/recon/break-summary")["items"])
    if frame.empty:
        return frame
    frame["age_bucket"] = frame["age_business_days"].map(age_bucket)
    frame["first_seen_date"] = pd.to_datetime(frame["first_seen_date"])
    return frame


def choices() -> tuple[list[str], list[str]]:
    """The kinds and gateways in the current break queue, for the filters (cached read)."""
    try:
        kinds = query("select distinct kind from marts.fct_recon_breaks order by 1")["kind"]
        gateways = query(
            "select distinct gateway from marts.fct_recon_breaks "
            "where gateway is not null order by 1"
        )["gateway"]
    except NotBuilt:
        return [], []
    return kinds.tolist(), gateways.tolist()
