"""Data contracts of the lake datasets: one ODCS v3 YAML per dataset, and the code that runs them.

Serves the ingest layer (the contract is the only copy of each dataset's schema: column names,
polars dtypes, natural key), the quarantine (row rules with stable ``rule_id`` reason codes and
plain-words messages for the finance analyst) and the platform operator's Great Expectations
reports. The rule grammar is described in ``data_contracts/README.md``.

    contract = load_contract("payu_settlement_lines")
    problems = schema_problems(contract, frame)      # non-empty: reject the whole file
    failures = row_failures(contract, frame)         # severity error: quarantine those rows
    report = validate_with_gx(contract, frame)       # the same rules through GE 1.x
"""

import hisaab  # noqa: F401,I001  (first: it configures polars' allocator before polars is imported)
from data_contracts.checks import (
    FAILURE_SCHEMA,
    duplicate_flag,
    row_failures,
    schema_problems,
    table_problems,
)
from data_contracts.gx_suite import GxReport, GxResult, build_suite, validate_with_gx
from data_contracts.model import (
    AllowedValues,
    Column,
    Compare,
    Condition,
    Contract,
    ContractError,
    NotNull,
    Pattern,
    Range,
    RowCount,
    Rule,
    Term,
)
from data_contracts.registry import CONTRACTS_DIR, list_datasets, load_contract, load_contract_file

__all__ = [
    "CONTRACTS_DIR",
    "FAILURE_SCHEMA",
    "AllowedValues",
    "Column",
    "Compare",
    "Condition",
    "Contract",
    "ContractError",
    "GxReport",
    "GxResult",
    "NotNull",
    "Pattern",
    "Range",
    "RowCount",
    "Rule",
    "Term",
    "build_suite",
    "duplicate_flag",
    "list_datasets",
    "load_contract",
    "load_contract_file",
    "row_failures",
    "schema_problems",
    "table_problems",
    "validate_with_gx",
]
