"""``hisaab api ...``: run, migrate and check the transaction core from the command line."""

from __future__ import annotations

import json

import typer

api_app = typer.Typer(help="The transaction core (payments API): serve, migrate, check the ledger.")


def _db():  # type: ignore[no-untyped-def]
    from api.db import Database, sqlalchemy_url
    from hisaab.settings import get_settings

    return Database(sqlalchemy_url(get_settings().oltp_url))


@api_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port."),
    workers: int = typer.Option(1, min=1, help="uvicorn worker processes."),
) -> None:
    """Run the API with uvicorn (migrates the database on startup)."""
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


@api_app.command("migrate")
def migrate() -> None:
    """Bring the OLTP database schema up to date."""
    from api.db import sqlalchemy_url
    from api.migrate import upgrade
    from hisaab.settings import get_settings

    url = sqlalchemy_url(get_settings().oltp_url)
    upgrade(url)
    typer.echo(f"migrated {url.split('@')[-1]}")


@api_app.command("ledger-check")
def ledger_check(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check the ledger's invariants; exit status 1 when any is violated."""
    from api.ledger.check import check_ledger

    db = _db()
    with db.read_session() as session:
        report = check_ledger(session)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "entries": report.entries,
                    "lines": report.lines,
                    "total_debits_paise": report.total_debits_paise,
                    "total_credits_paise": report.total_credits_paise,
                    "violations": report.violations,
                }
            )
        )
    else:
        typer.echo(
            f"{report.entries} entries, {report.lines} lines, debits {report.total_debits_paise} "
            f"= credits {report.total_credits_paise} paise"
        )
        for v in report.violations:
            typer.echo(f"VIOLATION: {v}")
        typer.echo("ledger OK" if report.ok else f"{len(report.violations)} violation(s)")
    if not report.ok:
        raise typer.Exit(1)


@api_app.command("create-key")
def create_key(
    merchant: str | None = typer.Option(None, help="Merchant id (omit with --platform)."),
    platform: bool = typer.Option(False, help="A platform key (onboarding, finance)."),
) -> None:
    """Issue an API key; prints the key id and the secret (shown once)."""
    from api.auth.service import issue_key
    from api.migrate import upgrade

    if platform == (merchant is not None):
        raise typer.BadParameter("give either --merchant ID or --platform")
    db = _db()
    upgrade(db.url)
    with db.session() as session:
        key = issue_key(session, merchant_id=merchant, scope="platform" if platform else "merchant")
    typer.echo(json.dumps({"key_id": key.key_id, "key_secret": key.key_secret, "scope": key.scope}))


@api_app.command("purge-idempotency-keys")
def purge_idempotency_keys() -> None:
    """Delete idempotency keys past their 24 h retention."""
    from api.idempotency.service import purge_expired

    typer.echo(f"purged {purge_expired(_db())} expired idempotency keys")


@api_app.command("settle")
def settle(
    date_: str = typer.Option(..., "--date", help="IST date to settle as of (YYYY-MM-DD)."),
    merchant: str | None = typer.Option(None, help="Only this merchant."),
) -> None:
    """Pay merchants what is due on their T+N cycle as of DATE (settlements + ledger)."""
    from datetime import date

    from api.settlements.service import settle_due

    db = _db()
    with db.session() as session:
        created = settle_due(session, as_of=date.fromisoformat(date_), merchant_id=merchant)
        for s in created:
            typer.echo(f"{s.id} {s.merchant_id} net {s.amount_paise} paise UTR {s.utr}")
    typer.echo(f"{len(created)} settlement(s)")


@api_app.command("record-gateway-settlements")
def record_gateway_settlements(
    date_: str = typer.Option(..., "--date", help="IST settlement date (YYYY-MM-DD)."),
) -> None:
    """Post what the emulated gateways settled into escrow on DATE to the ledger (idempotent)."""
    from datetime import date

    from api.gateways.settlement import record_emulated_settlements

    db = _db()
    with db.session() as session:
        n = record_emulated_settlements(session, date.fromisoformat(date_))
    typer.echo(f"{n} gateway settlement(s) recorded")


webhooks_app = typer.Typer(help="The webhook outbox.")
api_app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("deliver")
def webhooks_deliver(
    once: bool = typer.Option(False, help="One pass over the due events, then exit."),
    interval: float = typer.Option(1.0, help="Seconds to sleep when nothing is due."),
) -> None:
    """Send pending webhook events (signed; retried with backoff and jitter for 24 h)."""
    from api.webhooks.worker import run_forever

    total = run_forever(_db(), interval_s=interval, once=once)
    typer.echo(
        f"claimed {total.claimed}, delivered {total.delivered}, retrying {total.retrying}, "
        f"failed {total.failed}"
    )


def _add_users_commands() -> None:
    from api.users.cli import users_app

    api_app.add_typer(users_app, name="users")


_add_users_commands()
