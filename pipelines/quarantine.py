"""Quarantine: where rows and files that failed go, with a reason code and the original bytes.

Nothing is ever dropped. A file that could not be read at all is kept byte for byte with a JSON
note of why; rows that failed parsing or a contract rule are kept in Parquet with their line
number, reason code, a plain-words message and the raw text, next to the original file.

Layout::

    quarantine/files/<source>/<sha16>/<original file name>   original bytes
    quarantine/files/<source>/<sha16>/reason.json            file-level reason (unreadable files)
    quarantine/rows/<source>-<sha16>.parquet                 the failed rows of that file
    quarantine/_superseded/rows/<source>-<sha16>.parquet     failed rows of a file replaced by a
                                                             newer version under the same name
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl

ROW_SCHEMA = {
    "file_sha256": pl.String,
    "landing_path": pl.String,
    "source": pl.String,
    "dataset": pl.String,
    "row_number": pl.Int64,
    "reason_code": pl.String,
    "message": pl.String,
    "raw": pl.String,
}
SUPERSEDED_DIR = "_superseded"


def keep_original(root: Path, source: str, sha256: str, name: str, data: bytes | Path) -> Path:
    """Keep the file's original bytes (given as bytes, or as the path of the file to copy)."""
    folder = root / "files" / source / sha256[:16]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        if isinstance(data, Path):
            shutil.copyfile(data, path)
        else:
            path.write_bytes(data)
    return path


def quarantine_file(
    root: Path,
    source: str,
    sha256: str,
    name: str,
    data: bytes | Path,
    reason_code: str,
    message: str,
) -> Path:
    path = keep_original(root, source, sha256, name, data)
    (path.parent / "reason.json").write_text(
        json.dumps({"reason_code": reason_code, "message": message, "file": name}, indent=2)
    )
    return path


def rows_path(root: Path, source: str, sha256: str) -> Path:
    return root / "rows" / f"{source}-{sha256[:16]}.parquet"


def quarantine_rows(root: Path, source: str, sha256: str, rows: pl.DataFrame) -> Path | None:
    if rows.height == 0:
        return None
    path = rows_path(root, source, sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.select(list(ROW_SCHEMA)).cast(ROW_SCHEMA).write_parquet(path)  # type: ignore[arg-type]
    return path


def set_aside_rows(root: Path, source: str, sha256: str) -> bool:
    """Move the failed rows of a superseded file version out of ``rows/``; True if any."""
    path = rows_path(root, source, sha256)
    if not path.exists():
        return False
    target = root / SUPERSEDED_DIR / "rows" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), target)
    return True
