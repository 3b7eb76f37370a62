"""A credit model to registry files and back: JSON for everything, skops for a GBM estimator.

Serves reproducibility (what exactly scored this applicant) and safety (nothing is unpickled):
``model_files`` gives the bytes of ``spec.yaml``, ``model.json`` and, for a GBM,
``estimator.skops``; ``load_model`` rebuilds the ``CreditModel`` from a registry version.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from risk.credit.gbm import GbmModel
from risk.credit.model import Calibrator, CreditModel
from risk.credit.scorecard import Scorecard
from risk.credit.spec import parse_spec
from risk.registry import ModelVersion, Registry


def model_files(model: CreditModel) -> dict[str, bytes]:
    spec_yaml = yaml.safe_dump(model.spec.model_dump(mode="json"), sort_keys=False).encode()
    body: dict[str, object] = {
        "algorithm": model.core.kind,
        "calibration": model.calibrator.to_json(),
    }
    files = {"spec.yaml": spec_yaml}
    if isinstance(model.core, Scorecard):
        body["scorecard"] = model.core.to_json()
    else:
        body["gbm"] = model.core.meta_json()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "estimator.skops"
            model.core.save_estimator(path)
            files["estimator.skops"] = path.read_bytes()
    files["model.json"] = json.dumps(body, indent=1, sort_keys=True).encode()
    return files


def load_version(mv: ModelVersion) -> CreditModel:
    spec = parse_spec(
        yaml.safe_load((mv.path / "spec.yaml").read_text()), str(mv.path / "spec.yaml")
    )
    body = json.loads((mv.path / "model.json").read_text())
    core: Scorecard | GbmModel
    if body["algorithm"] == "scorecard":
        core = Scorecard.from_json(body["scorecard"])
    else:
        core = GbmModel.load(body["gbm"], mv.path / "estimator.skops")
    return CreditModel(
        spec=spec,
        core=core,
        calibrator=Calibrator(**body["calibration"]),
        name=mv.name,
        version=mv.label,
    )


def load_model(
    name: str = "bnpl_credit", version: int | str | None = None, registry: Registry | None = None
) -> CreditModel:
    """The production version of ``name`` (or ``version``), ready to decide."""
    registry = registry or Registry.default()
    return load_version(registry.get(name, version))
