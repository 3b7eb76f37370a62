"""``hisaab api users create|list``: staff accounts for the dashboard, from the command line."""

from __future__ import annotations

import os

import typer

users_app = typer.Typer(
    help="Staff users (finance, risk, compliance, ops, admin) for the dashboard."
)


@users_app.command("create")
def create(
    username: str = typer.Argument(..., help="Login name (lower case)."),
    role: str = typer.Option(..., "--role", help="finance, risk, compliance, ops or admin."),
    password: str | None = typer.Option(
        None,
        "--password",
        help="Password (10+ characters). Default: HISAAB_USER_PASSWORD, else asked for.",
    ),
    exist_ok: bool = typer.Option(False, help="Succeed quietly if the user already exists."),
) -> None:
    """Create a staff user (the password is stored as an argon2id hash only)."""
    from api.cli import _db
    from api.migrate import upgrade
    from api.users.models import StaffUser
    from api.users.service import UserError, create_user

    password = password or os.environ.get("HISAAB_USER_PASSWORD")
    if not password:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = _db()
    upgrade(db.url)
    try:
        with db.session() as session:
            if exist_ok and session.get(StaffUser, username) is not None:
                typer.echo(f"user {username} exists")
                return
            create_user(session, username=username, password=password, role=role)
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {username} ({role})")


@users_app.command("list")
def list_cmd() -> None:
    """List staff users and their roles."""
    from api.cli import _db
    from api.users.service import list_users

    with _db().read_session() as session:
        for u in list_users(session):
            typer.echo(f"{u.username}\t{u.role}\t{'active' if u.is_active else 'disabled'}")
