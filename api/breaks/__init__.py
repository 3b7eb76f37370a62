"""The finance break workflow over HTTP: assign, comment, resolve and write off recon breaks.

Serves the recon analyst working the morning break queue from the dashboard. The breaks
themselves are the warehouse's ``marts.fct_recon_breaks`` (read-only here); the analyst's
decisions and the audit trail of every action are OLTP rows keyed by the stable ``break_id``.
"""
