"""The business calendar of Indian payments: IST business dates and T+N settlement cycles.

Timestamps are stored in UTC; every business date, settlement cycle and cut-off is in
Asia/Kolkata (IST, UTC+05:30, no daylight saving). A *business day* is a day banks settle:
not a Sunday, not the 2nd or 4th Saturday of the month, and not a holiday in
``hisaab/data/bank_holidays.csv`` (data, not code: finance replaces it with the RBI list).

Settlement rule: a transaction belongs to the IST calendar date of its timestamp (cut-over at
23:59:59 IST). Under a T+N cycle it settles on the N-th business day after that date. A
transaction on a non-business day is counted from the next business day: a payment on a
closed Saturday on T+1 rolls to Monday as T+0 and settles on Tuesday.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")
IST_OFFSET = timedelta(hours=5, minutes=30)


@lru_cache(maxsize=1)
def bank_holidays() -> frozenset[date]:
    """Holidays from the packaged CSV (lines starting with ``#`` are comments)."""
    text = resources.files("hisaab").joinpath("data/bank_holidays.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(date.fromisoformat(r["date"]) for r in rows)


def is_second_or_fourth_saturday(d: date) -> bool:
    return d.weekday() == 5 and (d.day - 1) // 7 in (1, 3)


def is_business_day(d: date, holidays: Iterable[date] | None = None) -> bool:
    """True when banks settle on ``d``."""
    hols = bank_holidays() if holidays is None else holidays
    return d.weekday() != 6 and not is_second_or_fourth_saturday(d) and d not in hols


def next_business_day(d: date) -> date:
    """``d`` itself if it is a business day, else the next one."""
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


def add_business_days(d: date, n: int) -> date:
    """The n-th business day after ``d`` (n >= 0); n == 0 rolls forward to a business day."""
    if n < 0:
        raise ValueError("n must be >= 0")
    d = next_business_day(d)
    for _ in range(n):
        d = next_business_day(d + timedelta(days=1))
    return d


def business_days_between(start: date, end: date) -> int:
    """Business days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, d = 0, start
    while d < end:
        d += timedelta(days=1)
        if is_business_day(d):
            count += 1
    return count


def settlement_date(txn_date: date, cycle_days: int) -> date:
    """The date a transaction made on IST date ``txn_date`` settles under a T+``cycle_days`` cycle."""
    return add_business_days(txn_date, cycle_days)


def ist_date(ts: datetime) -> date:
    """The IST business date of an aware timestamp."""
    if ts.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware (store UTC)")
    return ts.astimezone(IST).date()


def ist_midnight_utc(d: date) -> datetime:
    """The UTC instant at which IST date ``d`` begins."""
    return datetime.combine(d, time(0), tzinfo=IST).astimezone(UTC)
