"""Write the business calendar as a dbt seed, so SQL counts T+N business days like the kernel.

``python -m pipelines.calendar_seed`` regenerates ``dbt/seeds/business_calendar.csv`` from
``hisaab.calendar`` (Sundays, 2nd/4th Saturdays, the holiday list); a test keeps the two equal.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from hisaab.calendar import is_business_day

FIRST, LAST = date(2025, 1, 1), date(2027, 12, 31)
SEED = Path(__file__).resolve().parents[1] / "dbt" / "seeds" / "business_calendar.csv"


def calendar_rows(first: date = FIRST, last: date = LAST) -> list[str]:
    """calendar_date, is_business_day, business_day_index (business days up to and including)."""
    rows = ["calendar_date,is_business_day,business_day_index"]
    index, d = 0, first
    while d <= last:
        open_ = is_business_day(d)
        index += int(open_)
        rows.append(f"{d.isoformat()},{str(open_).lower()},{index}")
        d += timedelta(days=1)
    return rows


def main() -> None:
    SEED.write_text("\n".join(calendar_rows()) + "\n")
    sys.stdout.write(f"wrote {SEED}\n")


if __name__ == "__main__":
    main()
