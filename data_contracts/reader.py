"""Walks a parsed YAML document and fails with the file and the field's path in the message.

Serves whoever edits a contract: ``.../payu_settlement_lines.yaml: schema[0].quality[0].type:
unknown rule type 'magic'`` says where to look, in the file they have open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from data_contracts.model import ContractError


class Reader:
    """Carries the file path so that every failure names it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str) -> NoReturn:
        raise ContractError(f"{self.path}: {field}: {problem}")

    def mapping(self, value: Any, field: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(field, f"must be a mapping, got {type(value).__name__}")
        return value

    def seq(self, value: Any, field: str, *, nonempty: bool = True) -> Sequence[Any]:
        if not isinstance(value, list):
            self.fail(field, f"must be a list, got {type(value).__name__}")
        if nonempty and not value:
            self.fail(field, "must not be empty")
        return value

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(field, "must be a non-empty string")
        return value

    def flag(self, value: Any, field: str) -> bool:
        if not isinstance(value, bool):
            self.fail(field, f"must be true or false, got {value!r}")
        return value

    def keys(self, doc: Mapping[str, Any], allowed: set[str], field: str) -> None:
        unknown = sorted(set(doc) - allowed)
        if unknown:
            self.fail(f"{field}.{unknown[0]}", "unknown or unsupported key")
