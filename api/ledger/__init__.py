"""The double-entry ledger: our books, which reconciliation checks against the outside world."""
