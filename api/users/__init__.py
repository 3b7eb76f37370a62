"""Staff users of the platform (finance, risk, compliance, ops, admin): who may see and do what.

Serves the dashboard's sign-in: a user logs in with a password and gets a short-lived JWT that
names their role; routes for staff require a role through ``require_role``.
"""
