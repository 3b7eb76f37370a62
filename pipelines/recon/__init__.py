"""Reconciliation around the dbt project: running it, the break workflow, and scoring it."""
