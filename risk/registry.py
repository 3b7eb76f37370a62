"""The model registry: versioned, reproducible credit (and later AML) model artifacts.

Serves the risk analyst who compares, promotes and rolls back versions, and the dashboard that
reads them. Artifacts live under the data dir, never in git::

    <data dir>/registry/<model name>/
        registry.json               which version serves (production) and the promotion history
        v0001/
            metadata.json           version, created_at, data hash, spec hash, metrics,
                                    library versions, files with their sha256
            spec.yaml               the spec exactly as trained
            model.json              the model as data: scorecard bins and points, or the GBM's
                                    encodings, calibration, scaling (no code)
            estimator.skops         GBM only: the fitted estimator, skops (no pickle)
            model_card.md, *.png    the model card and its plots

Nothing is loaded by unpickling: a scorecard is JSON, a GBM is skops loaded with an explicit
list of trusted scikit-learn types, and every file's sha256 is checked against the metadata
before it is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

LIBRARIES = ("scikit-learn", "optbinning", "skops", "numpy", "polars", "duckdb", "hisaab")


def _event(action: str, version: int, by: str) -> dict[str, Any]:
    return {
        "action": action,
        "version": version,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "by": by,
    }


class RegistryError(ValueError):
    """A version that does not exist, a tampered file, nothing to roll back to."""


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in LIBRARIES:
        try:
            out[lib] = importlib_metadata.version(lib)
        except importlib_metadata.PackageNotFoundError:
            out[lib] = "absent"
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse_version(text: str | int) -> int:
    """``3``, ``"3"``, ``"v3"`` and ``"v0003"`` all mean version 3."""
    s = str(text).strip().lower().removeprefix("v")
    if not s.isdigit() or int(s) < 1:
        raise RegistryError(f"{text!r} is not a model version (use 3 or v3)")
    return int(s)


def version_label(n: int) -> str:
    return f"v{n:04d}"


@dataclass
class ModelVersion:
    name: str
    version: int
    path: Path
    metadata: dict[str, Any]

    @property
    def label(self) -> str:
        return version_label(self.version)


class Registry:
    """One folder per model name; versions are immutable once written."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def default(cls) -> Registry:
        from hisaab.settings import get_settings

        return cls(get_settings().data_dir / "registry")

    def _model_dir(self, name: str) -> Path:
        return self.root / name

    def versions(self, name: str) -> list[int]:
        d = self._model_dir(name)
        if not d.exists():
            return []
        return sorted(int(p.name[1:]) for p in d.iterdir() if p.is_dir() and p.name[1:].isdigit())

    def register(
        self, name: str, files: dict[str, bytes], metadata: dict[str, Any]
    ) -> ModelVersion:
        """Write a new version atomically (staged folder, then renamed into place)."""
        d = self._model_dir(name)
        d.mkdir(parents=True, exist_ok=True)
        number = (self.versions(name) or [0])[-1] + 1
        staging = d / f".staging-{number}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for fname, data in files.items():
            (staging / fname).write_bytes(data)
        meta = {
            **metadata,
            "name": name,
            "version": number,
            "label": version_label(number),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "libraries": library_versions(),
            "files": {f: _sha256(staging / f) for f in sorted(files)},
        }
        (staging / "metadata.json").write_text(json.dumps(meta, indent=2, sort_keys=True))
        target = d / version_label(number)
        staging.rename(target)
        return ModelVersion(name, number, target, meta)

    def get(self, name: str, version: int | str | None = None) -> ModelVersion:
        """A version (default: the production one, else the latest), its files verified."""
        if version is None:
            prod = self.production(name)
            number = prod if prod is not None else (self.versions(name) or [None])[-1]
            if number is None:
                raise RegistryError(f"no versions of {name!r} in {self.root}; train one first")
        else:
            number = parse_version(version)
        path = self._model_dir(name) / version_label(number)
        if not path.is_dir():
            known = ", ".join(version_label(v) for v in self.versions(name)) or "none"
            raise RegistryError(
                f"{name} {version_label(number)} does not exist (versions: {known})"
            )
        meta = json.loads((path / "metadata.json").read_text())
        for fname, digest in meta["files"].items():
            if _sha256(path / fname) != digest:
                raise RegistryError(
                    f"{path / fname}: sha256 differs from metadata.json; refusing it"
                )
        return ModelVersion(name, number, path, meta)

    # --- promotion ---------------------------------------------------------------------------
    def _state_path(self, name: str) -> Path:
        return self._model_dir(name) / "registry.json"

    def state(self, name: str) -> dict[str, Any]:
        p = self._state_path(name)
        if p.exists():
            return json.loads(p.read_text())  # type: ignore[no-any-return]
        return {"production": None, "stack": [], "history": []}

    def _save_state(self, name: str, state: dict[str, Any]) -> None:
        p = self._state_path(name)
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        os.replace(tmp, p)

    def production(self, name: str) -> int | None:
        return self.state(name)["production"]  # type: ignore[no-any-return]

    def promote(self, name: str, version: int | str, by: str = "cli") -> int:
        """Make a version the one that serves; the one it replaces is kept to roll back to."""
        number = self.get(name, version).version
        state = self.state(name)
        if state["production"] == number:
            return number
        state["stack"].append(number)
        state["production"] = number
        state["history"].append(_event("promote", number, by))
        self._save_state(name, state)
        return number

    def rollback(self, name: str, by: str = "cli") -> int:
        """Serve again the version that served before the current promotion."""
        state = self.state(name)
        if len(state["stack"]) < 2:
            raise RegistryError(
                f"{name}: nothing to roll back to (production: {state['production']}, "
                "no earlier promotion)"
            )
        current = state["stack"].pop()
        previous = int(state["stack"][-1])
        state["production"] = previous
        state["history"].append({**_event("rollback", previous, by), "rolled_back": current})
        self._save_state(name, state)
        return previous

    def list(self, name: str) -> list[dict[str, Any]]:
        prod = self.production(name)
        out = []
        for v in self.versions(name):
            meta = json.loads(
                (self._model_dir(name) / version_label(v) / "metadata.json").read_text()
            )
            out.append(
                {
                    "version": v,
                    "label": version_label(v),
                    "created_at": meta.get("created_at"),
                    "algorithm": meta.get("algorithm"),
                    "holdout_auc": (meta.get("metrics", {}).get("holdout") or {}).get("auc"),
                    "production": v == prod,
                }
            )
        return out
