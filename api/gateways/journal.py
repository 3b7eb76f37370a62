"""The emulated gateways' own books: every payment, capture and refund they processed.

User need: the emulators must later produce settlement files for exactly what they processed
(so API traffic flows through ingestion and reconciliation) and must answer ``status()`` after
a timeout; so what a gateway did is written to a small SQLite journal under the data dir
(``<data_dir>/gateways/journal.sqlite3``) before the call returns, and survives a restart.

Rows are keyed by ``(gateway, gateway_payment_id)`` with our payment id unique per gateway (a
gateway never authorises the same merchant reference twice), and refunds by
``(gateway, refund_id)`` with our refund id, so a repeated refund request finds the first one
instead of moving money again. Ids are allocated from a per-gateway sequence in the same file.
Timestamps are integer microseconds since the Unix epoch, UTC; money is integer paise.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS gateway_sequences (
    gateway TEXT NOT NULL,
    kind TEXT NOT NULL,
    next_value INTEGER NOT NULL,
    PRIMARY KEY (gateway, kind)
);
CREATE TABLE IF NOT EXISTS gateway_payments (
    gateway TEXT NOT NULL,
    gateway_payment_id TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    merchant_id TEXT NOT NULL,
    method TEXT NOT NULL,
    amount_paise INTEGER NOT NULL,
    currency TEXT NOT NULL,
    state TEXT NOT NULL,           -- pending | authorized | captured | failed
    final_state TEXT,              -- what a pending payment resolves to
    resolves_at_us INTEGER,        -- when a pending payment resolves
    error_code TEXT,
    error_reason TEXT,
    error_description TEXT,
    rrn TEXT,
    vpa TEXT,
    card_network TEXT,
    card_type TEXT,
    card_issuer TEXT,
    bank_code TEXT,
    wallet TEXT,
    mdr_bps INTEGER NOT NULL,
    settlement_cycle_days INTEGER NOT NULL,
    fee_paise INTEGER NOT NULL DEFAULT 0,   -- excluding GST
    tax_paise INTEGER NOT NULL DEFAULT 0,   -- GST on the fee
    refunded_paise INTEGER NOT NULL DEFAULT 0,
    created_at_us INTEGER NOT NULL,
    captured_at_us INTEGER,
    business_date TEXT,            -- IST date of the capture; T+N from it is settled_on
    settled_on TEXT,
    PRIMARY KEY (gateway, gateway_payment_id),
    UNIQUE (gateway, payment_id)
);
CREATE INDEX IF NOT EXISTS gateway_payments_settled_on ON gateway_payments (gateway, settled_on);
CREATE TABLE IF NOT EXISTS gateway_refunds (
    gateway TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    gateway_refund_id TEXT NOT NULL,
    gateway_payment_id TEXT NOT NULL,
    amount_paise INTEGER NOT NULL,
    created_at_us INTEGER NOT NULL,
    business_date TEXT NOT NULL,
    settled_on TEXT NOT NULL,
    PRIMARY KEY (gateway, refund_id)
);
CREATE INDEX IF NOT EXISTS gateway_refunds_settled_on ON gateway_refunds (gateway, settled_on);
"""


def to_us(ts: datetime) -> int:
    """Aware datetime -> integer microseconds since the epoch (exact)."""
    if ts.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    delta = ts.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    from datetime import timedelta

    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


@dataclass(frozen=True)
class PaymentRow:
    gateway: str
    gateway_payment_id: str
    payment_id: str
    order_id: str
    merchant_id: str
    method: str
    amount_paise: int
    currency: str
    state: str
    final_state: str | None
    resolves_at_us: int | None
    error_code: str | None
    error_reason: str | None
    error_description: str | None
    rrn: str | None
    vpa: str | None
    card_network: str | None
    card_type: str | None
    card_issuer: str | None
    bank_code: str | None
    wallet: str | None
    mdr_bps: int
    settlement_cycle_days: int
    fee_paise: int
    tax_paise: int
    refunded_paise: int
    created_at_us: int
    captured_at_us: int | None
    business_date: str | None
    settled_on: str | None


@dataclass(frozen=True)
class RefundRow:
    gateway: str
    refund_id: str
    gateway_refund_id: str
    gateway_payment_id: str
    amount_paise: int
    created_at_us: int
    business_date: str
    settled_on: str


_PAYMENT_COLS = [f.name for f in fields(PaymentRow)]
_REFUND_COLS = [f.name for f in fields(RefundRow)]


class GatewayJournal:
    """A durable journal shared by the emulated gateways (thread- and process-safe SQLite)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``: serialised across processes too)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def next_sequence(self, gateway: str, kind: str) -> int:
        """The next counter (1, 2, ...) for ``gateway``'s ``kind`` of id; never handed out twice."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO gateway_sequences (gateway, kind, next_value) VALUES (?, ?, 1)",
                (gateway, kind),
            )
            (value,) = conn.execute(
                "UPDATE gateway_sequences SET next_value = next_value + 1"
                " WHERE gateway = ? AND kind = ? RETURNING next_value - 1",
                (gateway, kind),
            ).fetchone()
        return int(value)

    # --- payments -----------------------------------------------------------------------------

    def insert_payment(self, row: PaymentRow) -> PaymentRow:
        """Insert ``row``; if our payment id is already journalled, return that row instead."""
        placeholders = ", ".join("?" for _ in _PAYMENT_COLS)
        with self.transaction() as conn:
            existing = self._payment_where(conn, "payment_id", row.gateway, row.payment_id)
            if existing is not None:
                return existing
            conn.execute(
                f"INSERT INTO gateway_payments ({', '.join(_PAYMENT_COLS)}) VALUES ({placeholders})",
                [getattr(row, c) for c in _PAYMENT_COLS],
            )
        return row

    def update_payment(self, gateway: str, gateway_payment_id: str, **changes: Any) -> PaymentRow:
        bad = set(changes) - set(_PAYMENT_COLS)
        if bad:
            raise ValueError(f"unknown journal columns: {sorted(bad)}")
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.transaction() as conn:
            conn.execute(
                f"UPDATE gateway_payments SET {sets} WHERE gateway = ? AND gateway_payment_id = ?",
                [*changes.values(), gateway, gateway_payment_id],
            )
            row = self._payment_where(conn, "gateway_payment_id", gateway, gateway_payment_id)
        if row is None:
            raise KeyError(gateway_payment_id)
        return row

    def payment(self, gateway: str, reference: str) -> PaymentRow | None:
        """A payment by the gateway's id or by our payment id."""
        with self._lock:
            row = self._payment_where(self._conn, "gateway_payment_id", gateway, reference)
            if row is None:
                row = self._payment_where(self._conn, "payment_id", gateway, reference)
            return row

    def _payment_where(
        self, conn: sqlite3.Connection, column: str, gateway: str, value: str
    ) -> PaymentRow | None:
        cur = conn.execute(
            f"SELECT {', '.join(_PAYMENT_COLS)} FROM gateway_payments"
            f" WHERE gateway = ? AND {column} = ?",
            (gateway, value),
        )
        got = cur.fetchone()
        return PaymentRow(*got) if got else None

    def captured_payments(self, gateway: str, settled_on: date) -> list[PaymentRow]:
        with self._lock:
            cur = self._conn.execute(
                f"SELECT {', '.join(_PAYMENT_COLS)} FROM gateway_payments"
                " WHERE gateway = ? AND settled_on = ? AND captured_at_us IS NOT NULL"
                " ORDER BY captured_at_us, gateway_payment_id",
                (gateway, settled_on.isoformat()),
            )
            return [PaymentRow(*r) for r in cur.fetchall()]

    def all_payments(self, gateway: str | None = None) -> list[PaymentRow]:
        with self._lock:
            sql = f"SELECT {', '.join(_PAYMENT_COLS)} FROM gateway_payments"
            args: tuple[str, ...] = ()
            if gateway is not None:
                sql += " WHERE gateway = ?"
                args = (gateway,)
            return [PaymentRow(*r) for r in self._conn.execute(sql + " ORDER BY rowid", args)]

    def settlement_days(self) -> list[date]:
        """Every date on which some capture or refund settles, ascending."""
        with self._lock:
            cur = self._conn.execute(
                "SELECT settled_on FROM gateway_payments WHERE settled_on IS NOT NULL"
                " UNION SELECT settled_on FROM gateway_refunds ORDER BY 1"
            )
            return [date.fromisoformat(r[0]) for r in cur.fetchall()]

    # --- refunds ------------------------------------------------------------------------------

    def refund(self, gateway: str, refund_id: str) -> RefundRow | None:
        with self._lock:
            return self._refund(self._conn, gateway, refund_id)

    def _refund(self, conn: sqlite3.Connection, gateway: str, refund_id: str) -> RefundRow | None:
        got = conn.execute(
            f"SELECT {', '.join(_REFUND_COLS)} FROM gateway_refunds"
            " WHERE gateway = ? AND refund_id = ?",
            (gateway, refund_id),
        ).fetchone()
        return RefundRow(*got) if got else None

    def insert_refund(self, row: RefundRow, *, captured_paise: int) -> RefundRow | None:
        """Record a refund and add it to the payment's refunded total, atomically.

        Returns the existing row if ``refund_id`` is already journalled, and ``None`` (nothing
        written) if the payment's refunds would exceed ``captured_paise``.
        """
        placeholders = ", ".join("?" for _ in _REFUND_COLS)
        with self.transaction() as conn:
            existing = self._refund(conn, row.gateway, row.refund_id)
            if existing is not None:
                return existing
            (refunded,) = conn.execute(
                "SELECT refunded_paise FROM gateway_payments"
                " WHERE gateway = ? AND gateway_payment_id = ?",
                (row.gateway, row.gateway_payment_id),
            ).fetchone()
            if refunded + row.amount_paise > captured_paise:
                return None
            conn.execute(
                f"INSERT INTO gateway_refunds ({', '.join(_REFUND_COLS)}) VALUES ({placeholders})",
                [getattr(row, c) for c in _REFUND_COLS],
            )
            conn.execute(
                "UPDATE gateway_payments SET refunded_paise = refunded_paise + ?"
                " WHERE gateway = ? AND gateway_payment_id = ?",
                (row.amount_paise, row.gateway, row.gateway_payment_id),
            )
        return row

    def refunds_settled_on(self, gateway: str, settled_on: date) -> list[RefundRow]:
        with self._lock:
            cur = self._conn.execute(
                f"SELECT {', '.join(_REFUND_COLS)} FROM gateway_refunds"
                " WHERE gateway = ? AND settled_on = ? ORDER BY created_at_us, refund_id",
                (gateway, settled_on.isoformat()),
            )
            return [RefundRow(*r) for r in cur.fetchall()]
