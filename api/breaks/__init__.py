"""The finance break queue for staff signed in to the dashboard (finance role).

Serves the recon analyst working the morning break queue from the dashboard. The breaks are the
warehouse's ``marts.fct_recon_breaks`` (read-only here); decisions and the audit trail go through
the one break workflow, ``api.recon.breaks``, shared with the CLI and the platform API.
"""
