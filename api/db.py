"""The OLTP database the transaction core writes: engine, sessions and the ORM base.

Merchants' payments, refunds and the ledger live here. SQLite (WAL, under the data dir) needs no
set-up; ``DATABASE_URL`` switches to Postgres. On SQLite, writing transactions start with
``BEGIN IMMEDIATE`` so two writers queue on the lock (busy timeout) instead of failing when a
read snapshot would have to be upgraded; reads use a second engine with ordinary deferred
transactions so they never wait for writers.

SQLite has one writer at a time. Within a process, writers first queue on a Python lock per
database file, held from ``BEGIN IMMEDIATE`` to ``COMMIT``/``ROLLBACK``: a waiting writer is
woken the moment the previous one commits. Left to SQLite's busy handler, 40 threads would poll
the file lock with sleeps growing to 100 ms, and the unlucky ones would wait seconds (the API's
p99 under load). Other processes still queue on SQLite's own lock (busy timeout).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS = 30_000

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def epoch(ts: datetime) -> int:
    """Razorpay shows timestamps as Unix seconds."""
    return int(ts.timestamp())


_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock(path: str) -> threading.Lock:
    """The in-process writer queue for one SQLite file (shared by every engine on it)."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return threading.Lock()
    with _writer_locks_guard:
        return _writer_locks.setdefault(str(Path(path).resolve()), threading.Lock())


class _SQLiteConnection(sqlite3.Connection):
    """A DBAPI connection that lets go of its writer lock when its transaction ends."""

    write_lock: threading.Lock | None = None

    def _release_writer(self) -> None:
        lock, self.write_lock = self.write_lock, None
        if lock is not None:
            lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release_writer()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_writer()


# The API's sync routes run on anyio's thread pool (40 threads): a pool this size hands every
# thread a ready connection instead of opening (and PRAGMA-ing) an overflow one per request.
SQLITE_POOL_SIZE = 40


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={
            "isolation_level": None,
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            "factory": _SQLiteConnection,
        },
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=40,
    )
    writer_lock = _writer_lock(path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not immediate:
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_conn = conn.connection.dbapi_connection
        if dbapi_conn.write_lock is None:
            if not writer_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
                raise sqlite3.OperationalError("database is locked (in-process writer queue)")
            dbapi_conn.write_lock = writer_lock
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_conn._release_writer()
            raise

    return engine


class Database:
    """One OLTP database: a writing and a reading session factory over the same URL."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, immediate=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
        else:
            self.engine = create_engine(
                url, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True
            )
            self.read_engine = self.engine
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A writing unit of work: commits when the block ends cleanly, rolls back otherwise."""
        with self._write() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A reading session; closing it ends the transaction and keeps loaded objects usable."""
        with self._read() as session:
            yield session

    def new_session(self) -> Session:
        return self._write()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def sqlalchemy_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (the only Postgres driver installed)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url
