"""Per-API-key token buckets: one merchant's burst must not starve the others.

Each key may make ``rate_per_s`` requests per second on average and ``burst`` at once. Buckets
live in Redis when ``REDIS_URL`` is set (one Lua script, atomic, shared by every API process),
in this process otherwise. An exhausted bucket answers 429 with ``Retry-After`` in seconds.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateLimit:
    rate_per_s: float = 50.0
    burst: int = 100


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: float = 0.0

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after_s)))


class Limiter(Protocol):
    blocking: bool  # True when ``hit`` waits on the network (call it off the event loop)

    def hit(self, key: str) -> Decision: ...


class InProcessLimiter:
    blocking = False

    def __init__(self, limit: RateLimit, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.limit = limit
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> Decision:
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.limit.burst), now))
            tokens = min(float(self.limit.burst), tokens + (now - last) * self.limit.rate_per_s)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return Decision(True)
            self._buckets[key] = (tokens, now)
            return Decision(False, (1.0 - tokens) / self.limit.rate_per_s)


_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(retry)}
"""


class RedisLimiter:
    blocking = True

    def __init__(self, limit: RateLimit, url: str, prefix: str = "hisaab:ratelimit:") -> None:
        import redis

        self.limit = limit
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_LUA)

    def hit(self, key: str) -> Decision:
        allowed, retry = self._script(
            keys=[self.prefix + key], args=[self.limit.rate_per_s, self.limit.burst]
        )
        return Decision(bool(int(allowed)), float(retry))


def build_limiter(limit: RateLimit | None, redis_url: str | None) -> Limiter | None:
    if limit is None:
        return None
    return RedisLimiter(limit, redis_url) if redis_url else InProcessLimiter(limit)
