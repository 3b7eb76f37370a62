"""Reconciliation for merchants and finance: recon status from the warehouse, the break workflow."""
