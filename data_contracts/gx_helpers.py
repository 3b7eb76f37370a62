"""Row rules that Great Expectations cannot state on pandas, computed as boolean helper columns.

Serves the platform operator's second opinion: GE 1.x offers ``UnexpectedRowsExpectation`` for
multi-column row logic only on SQL data sources, and ``row_condition`` strings would mean
evaluating text. So each arithmetic rule (``amount − fee = net`` with its ``when``) and each
conditional ``notNull`` becomes a column ``_rule_<rule_id>_ok`` that GE expects to be True.

The helper is computed here with pandas / Arrow operations, independently of the polars
expressions in ``checks.py``: when GE and ``row_failures`` agree, two implementations of the
contract agree, not one implementation with itself.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported only when Great Expectations runs
    import pandas as pd

from data_contracts.model import Compare, Condition, NotNull, Rule, Term


def helper_column(rule: Rule) -> str:
    """``_rule_payu_settlement_lines__net_equals_amount_minus_fee_and_tax_ok``."""
    return "_rule_" + re.sub(r"[^a-z0-9_]", "__", rule.rule_id) + "_ok"


def needs_helper(rule: Rule) -> bool:
    """Rules with no native GE expectation on pandas."""
    return isinstance(rule, Compare) or (isinstance(rule, NotNull) and rule.when is not None)


def _inside(pdf: pd.DataFrame, cond: Condition | None) -> Any:
    if cond is None:
        import pandas as pd

        return pd.Series(True, index=pdf.index)
    col = pdf[cond.column]
    member = col.isin(list(cond.values)).fillna(False).astype(bool)
    present = col.notna()
    return (~member if cond.negate else member) & present


def _sum(pdf: pd.DataFrame, terms: tuple[Term, ...]) -> Any:
    total = None
    for t in terms:
        part = pdf[t.column] if t.sign > 0 else -pdf[t.column]
        total = part if total is None else total + part
    return total


def helper_values(rule: Rule, pdf: pd.DataFrame) -> pd.Series:
    """True where the row keeps ``rule`` (or the rule does not apply to it), never null."""
    if isinstance(rule, NotNull):
        broken = pdf[rule.column].isna() & _inside(pdf, rule.when)
    elif isinstance(rule, Compare):
        left, right = _sum(pdf, rule.left), _sum(pdf, rule.right)
        evaluated = left.notna() & right.notna()
        differ = (left != right) if rule.op == "==" else (left > right)
        differ = differ.fillna(False).astype(bool)
        broken = differ & evaluated & _inside(pdf, rule.when)
    else:
        raise TypeError(f"{rule.rule_id}: GE states {type(rule).__name__} natively")
    return ~broken.astype(bool)
