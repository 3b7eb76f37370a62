"""Find and load the contracts shipped in this package: one ``<dataset>.yaml`` per lake dataset.

Serves the ingest layer, dbt source docs and the dashboards, which all ask for a dataset's
contract by name; each file is read and checked once per process.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from data_contracts.model import Contract, ContractError
from data_contracts.parse import parse_contract

CONTRACTS_DIR = Path(__file__).resolve().parent


def list_datasets() -> list[str]:
    """Every dataset that has a contract, sorted."""
    return sorted(p.stem for p in CONTRACTS_DIR.glob("*.yaml"))


def load_contract_file(path: Path) -> Contract:
    """Read and check one contract file (not cached): fails fast with ``ContractError``."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContractError(f"{path}: (document): not valid YAML: {exc}") from exc
    return parse_contract(doc, path)


@cache
def load_contract(dataset: str) -> Contract:
    """The contract of ``dataset`` (e.g. ``"payu_settlement_lines"``), cached per process."""
    path = CONTRACTS_DIR / f"{dataset}.yaml"
    if not path.is_file():
        raise KeyError(f"no contract for dataset {dataset!r}; known: {', '.join(list_datasets())}")
    return load_contract_file(path)
