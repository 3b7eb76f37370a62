"""Lake partitions: every row lands in its business date's part, in file order, nulls apart.

Rule: a file's rows are split by business date without losing, duplicating or reordering a row
(the lake's row order is the file's, which duplicate flags and row numbers rely on), and rows
without a date go to ``business_date=unknown``.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines import lake


def _frame(n: int, seed: int, with_nulls: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, 5, n)
    days = [date(2026, 11, 1) + timedelta(days=int(d)) for d in offsets]
    if with_nulls:
        days = [None if i % 7 == 3 else d for i, d in enumerate(days)]
    return pl.DataFrame(
        {
            "entity_id": [f"pay_{i:06d}" for i in range(n)],
            "amount_paise": rng.integers(-10_000, 10_000_000, n),
            "business_date": pl.Series(days, dtype=pl.Date),
        }
    )


def test_rows_split_by_day_keep_file_order_and_put_nulls_last() -> None:
    for with_nulls in (False, True):
        frame = _frame(5_000, seed=7, with_nulls=with_nulls)
        pieces = lake._by_day(frame, "business_date")
        days = [d for d, _ in pieces]
        expected_days = sorted(frame.get_column("business_date").drop_nulls().unique().to_list())
        assert days == expected_days + ([None] if with_nulls else [])
        for day, piece in pieces:
            wanted = frame.filter(
                pl.col("business_date").is_null() if day is None else pl.col("business_date") == day
            )
            assert piece.equals(wanted)  # same rows, same (file) order
        assert sum(p.height for _, p in pieces) == frame.height


def test_a_single_day_frame_is_written_whole(tmp_path: Path) -> None:
    frame = _frame(100, seed=1, with_nulls=False).with_columns(
        business_date=pl.lit(date(2026, 11, 2))
    )
    assert lake._by_day(frame, "business_date")[0][1] is frame
    (path,) = lake.write_table(tmp_path, "razorpay_settlement_lines", frame, "razorpay-abc")
    assert path.parent.name == "business_date=2026-11-02"
    assert pl.read_parquet(path).equals(frame)


def test_write_table_puts_undated_rows_under_unknown(tmp_path: Path) -> None:
    frame = _frame(300, seed=3, with_nulls=True)
    written = lake.write_table(tmp_path, "razorpay_settlement_lines", frame, "razorpay-abc", 2)
    assert {p.name for p in written} == {"razorpay-abc-00002.parquet"}
    assert written[-1].parent.name == "business_date=unknown"
    back = pl.concat([pl.read_parquet(p) for p in written])
    assert back.sort("entity_id").equals(frame.sort("entity_id"))
