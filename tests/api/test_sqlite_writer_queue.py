"""SQLite writers in one process queue on a lock held from BEGIN IMMEDIATE to COMMIT/ROLLBACK.

The lock must be released however a transaction ends (commit, rollback after an error, a
read-only write session), or the next writer would wait for the busy timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from api.db import Database


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with db.session() as s:
        s.execute(text("create table t (id integer primary key, v text)"))
    yield db
    db.dispose()


def _write_lock_is_free(db: Database) -> bool:
    from api.db import _writer_lock

    lock = _writer_lock(db.url.removeprefix("sqlite:///"))
    if lock.acquire(blocking=False):
        lock.release()
        return True
    return False


def test_a_second_writer_waits_for_the_first_to_commit_and_then_sees_its_row(
    sqlite_db: Database,
) -> None:
    first_inside = threading.Event()
    let_first_commit = threading.Event()
    seen: list[int] = []

    def first() -> None:
        with sqlite_db.session() as s:
            s.execute(text("insert into t (v) values ('first')"))
            first_inside.set()
            let_first_commit.wait(10)

    def second() -> None:
        first_inside.wait(10)
        with sqlite_db.session() as s:
            seen.append(s.execute(text("select count(*) from t")).scalar_one())
            s.execute(text("insert into t (v) values ('second')"))

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    b.start()
    first_inside.wait(10)
    time.sleep(0.2)
    assert seen == []  # the second writer is queued behind the open transaction
    let_first_commit.set()
    a.join(10)
    b.join(10)
    assert seen == [1]
    with sqlite_db.read_session() as s:
        assert s.execute(text("select count(*) from t")).scalar_one() == 2
    assert _write_lock_is_free(sqlite_db)


def test_a_unit_of_work_that_fails_releases_the_writer_queue(sqlite_db: Database) -> None:
    with pytest.raises(RuntimeError), sqlite_db.session() as s:
        s.execute(text("insert into t (v) values ('rolled back')"))
        raise RuntimeError("boom")
    assert _write_lock_is_free(sqlite_db)
    with sqlite_db.session() as s:  # would wait 30 s if the lock had leaked
        s.execute(text("insert into t (v) values ('after')"))
    with sqlite_db.read_session() as s:
        assert s.execute(text("select v from t")).scalars().all() == ["after"]


def test_many_threads_writing_at_once_all_commit(sqlite_db: Database) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(20):
                with sqlite_db.session() as s:
                    s.execute(text("insert into t (v) values (:v)"), {"v": f"{n}-{i}"})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with sqlite_db.read_session() as s:
        assert s.execute(text("select count(distinct v) from t")).scalar_one() == 16 * 20
    assert _write_lock_is_free(sqlite_db)


def test_readers_do_not_queue_behind_a_writer(sqlite_db: Database) -> None:
    with sqlite_db.session() as w:
        w.execute(text("insert into t (v) values ('uncommitted')"))
        with sqlite_db.read_session() as r:  # same thread: would deadlock if reads queued
            assert r.execute(text("select count(*) from t")).scalar_one() == 0
