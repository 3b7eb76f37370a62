"""AML monitoring for the compliance officer: rules, anomaly score, screening, cases, FIU-IND reports."""
