"""The ingestion manifest: which file (by sha256) was read, when, by which parser, with what outcome.

It makes re-ingesting the same file a no-op and keeps a changed file under the same name as a
new version. Stored as one Parquet file under ``lake/_manifest/`` so it travels with the lake
and is visible in DuckDB; it is only rewritten when something new was ingested.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

import polars as pl

MANIFEST_SCHEMA = {
    "landing_path": pl.String,  # relative to the landing root, or the absolute path handed over
    "source": pl.String,
    "business_date": pl.Date,
    "sha256": pl.String,
    "size_bytes": pl.Int64,
    "format": pl.String,
    "parser_version": pl.String,
    "outcome": pl.String,  # loaded | partially_quarantined | quarantined | duplicate_file
    "rows_in": pl.Int64,
    "rows_loaded": pl.Int64,
    "rows_quarantined": pl.Int64,
    "version": pl.Int64,  # 1 for the first file at this path, 2 for a changed one, …
    "is_current": pl.Boolean,  # False once a newer version of the same path arrived
    "ingested_at": pl.Datetime("us", "UTC"),
}


@dataclass
class ManifestEntry:
    landing_path: str
    source: str
    business_date: date | None
    sha256: str
    size_bytes: int
    format: str | None
    parser_version: str
    outcome: str
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    version: int
    is_current: bool
    ingested_at: datetime


class CurrentVersion(NamedTuple):
    sha256: str
    version: int
    outcome: str
    source: str


class Manifest:
    def __init__(self, lake: Path) -> None:
        self.path = lake / "_manifest" / "manifest.parquet"
        if self.path.exists():
            self._frame = pl.read_parquet(self.path)
        else:
            self._frame = pl.DataFrame(schema=MANIFEST_SCHEMA)
        self._new: list[ManifestEntry] = []
        self._retired: set[tuple[str, str]] = set()
        self._by_sha = {
            sha: path for path, sha in self._frame.select("landing_path", "sha256").iter_rows()
        }
        self._sizes = set(self._frame.get_column("size_bytes").to_list())
        self._current = {
            path: CurrentVersion(sha, version, outcome, source)
            for path, sha, version, outcome, source in self._frame.filter(pl.col("is_current"))
            .select("landing_path", "sha256", "version", "outcome", "source")
            .iter_rows()
        }

    def seen(self, sha256: str) -> str | None:
        """The landing path under which this exact content was ingested before, if any."""
        return self._by_sha.get(sha256)

    def has_size(self, size_bytes: int) -> bool:
        """Was a file of exactly this size ever recorded? If not, a file of this size can be
        neither a re-run nor a duplicate, whatever its sha256 (lets work start before it)."""
        return size_bytes in self._sizes

    def current(self, landing_path: str) -> CurrentVersion | None:
        """The current version of this path (sha256, version, outcome, source), if any.

        A ``CurrentVersion`` is a named tuple whose first two fields are ``(sha256, version)``.
        """
        return self._current.get(landing_path)

    def add(self, entry: ManifestEntry) -> None:
        previous = self._current.get(entry.landing_path)
        if previous is not None:
            self._retired.add((entry.landing_path, previous[0]))
        self._new.append(entry)
        self._by_sha.setdefault(entry.sha256, entry.landing_path)
        self._sizes.add(entry.size_bytes)
        if entry.is_current:
            self._current[entry.landing_path] = CurrentVersion(
                entry.sha256, entry.version, entry.outcome, entry.source
            )

    def save(self) -> None:
        if not self._new:
            return
        frame = self._frame
        if self._retired:
            retired = pl.DataFrame(
                sorted(self._retired), schema=["landing_path", "sha256"], orient="row"
            ).with_columns(_retired=pl.lit(True))
            frame = (
                frame.join(retired, on=["landing_path", "sha256"], how="left")
                .with_columns(is_current=pl.col("is_current") & pl.col("_retired").is_null())
                .drop("_retired")
            )
        new = pl.DataFrame([asdict(e) for e in self._new], schema=MANIFEST_SCHEMA)
        self._frame = pl.concat([frame, new]).sort("landing_path", "version")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._frame.write_parquet(self.path)
        self._new.clear()
        self._retired.clear()

    @property
    def frame(self) -> pl.DataFrame:
        return self._frame
