"""Routers on in-process state and on the real local Redis (a key prefix of their own)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from api.routing.state import InMemoryStateStore, RedisStateStore, RoutingStateStore

REDIS_URL = os.environ.get("HISAAB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def redis_store() -> RedisStateStore:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:  # the brief says how to start it; do not hide it
        pytest.fail(f"local Redis at {REDIS_URL} is not running: {exc}")
    return RedisStateStore(client, prefix=f"hisaab-test:routing:{uuid.uuid4().hex[:10]}:")


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[RoutingStateStore]:
    if request.param == "memory":
        yield InMemoryStateStore()
        return
    s = redis_store()
    yield s
    s.delete_all()
