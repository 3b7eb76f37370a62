"""Where routing keeps what it has learnt: outcome windows and circuit-breaker states.

User need: every API process must route on the same picture of the gateways. In one process
(the default) the state lives in memory; when ``REDIS_URL`` is set it lives in Redis so all
workers share it. Both stores offer the same operations:

* ``record(gateway, method, success, window)``: append an outcome to the sliding window of the
  gateway and method (the last ``window`` outcomes) and of the gateway as a whole (the breaker's
  window);
* ``outcomes(gateway, method)`` / ``gateway_outcomes(gateway)``: the windows, newest first;
* ``breaker(gateway)`` and ``update_breaker(gateway, fn)``: read a breaker, or apply ``fn`` to it
  atomically (a lock in memory; ``WATCH``/``MULTI`` optimistic transactions in Redis), so two
  workers never both take the last half-open trial slot;
* ``clear_gateway_window(gateway)``: forget the gateway's windows (all methods) when its breaker
  closes again after an outage.

Redis keys: ``<prefix>win:<gateway>:<method>`` and ``<prefix>win:<gateway>`` (lists of
``1``/``0``), ``<prefix>breaker:<gateway>`` (a JSON string).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerState:
    state: str = CLOSED
    opened_at: float | None = None  # epoch seconds
    trial_calls: int = 0  # half-open calls let through
    trial_successes: int = 0
    opened_count: int = 0  # times opened (for metrics)
    half_open_at: float | None = None  # when the current half-open trial began

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes | None) -> BreakerState:
        return cls(**json.loads(text)) if text else cls()


class RoutingStateStore(Protocol):
    def record(self, gateway: str, method: str, success: bool, window: int) -> None: ...

    def outcomes(self, gateway: str, method: str) -> list[bool]: ...

    def gateway_outcomes(self, gateway: str) -> list[bool]: ...

    def clear_gateway_window(self, gateway: str) -> None: ...

    def breaker(self, gateway: str) -> BreakerState: ...

    def view(
        self, gateways: Sequence[str], method: str
    ) -> dict[str, tuple[BreakerState, list[bool]]]:
        """Each gateway's breaker and its window for ``method``, read together (one round trip)."""
        ...

    def update_breaker(
        self, gateway: str, fn: Callable[[BreakerState], BreakerState | None]
    ) -> tuple[BreakerState, bool]:
        """Apply ``fn`` atomically; ``fn`` returns None to leave the state as it is.

        Returns the resulting state and whether ``fn`` changed it.
        """
        ...


class InMemoryStateStore:
    """Routing state of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, ...], deque[bool]] = {}
        self._breakers: dict[str, BreakerState] = {}

    def _push(self, key: tuple[str, ...], success: bool, window: int) -> None:
        q = self._windows.get(key)
        if q is None or q.maxlen != window:
            q = deque(q or (), maxlen=window)
            self._windows[key] = q
        q.appendleft(success)

    def record(self, gateway: str, method: str, success: bool, window: int) -> None:
        with self._lock:
            self._push((gateway, method), success, window)
            self._push((gateway,), success, window)

    def outcomes(self, gateway: str, method: str) -> list[bool]:
        with self._lock:
            return list(self._windows.get((gateway, method), ()))

    def gateway_outcomes(self, gateway: str) -> list[bool]:
        with self._lock:
            return list(self._windows.get((gateway,), ()))

    def clear_gateway_window(self, gateway: str) -> None:
        with self._lock:
            for key in [k for k in self._windows if k[0] == gateway]:
                del self._windows[key]

    def breaker(self, gateway: str) -> BreakerState:
        with self._lock:
            return self._breakers.get(gateway, BreakerState())

    def view(
        self, gateways: Sequence[str], method: str
    ) -> dict[str, tuple[BreakerState, list[bool]]]:
        with self._lock:
            return {
                g: (
                    self._breakers.get(g, BreakerState()),
                    list(self._windows.get((g, method), ())),
                )
                for g in gateways
            }

    def update_breaker(
        self, gateway: str, fn: Callable[[BreakerState], BreakerState | None]
    ) -> tuple[BreakerState, bool]:
        with self._lock:
            current = self._breakers.get(gateway, BreakerState())
            new = fn(current)
            if new is None or new == current:
                return current, False
            self._breakers[gateway] = new
            return new, True


class RedisStateStore:
    """Routing state shared by every worker through Redis."""

    def __init__(self, client: Any, prefix: str = "hisaab:routing:") -> None:
        self.r = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "hisaab:routing:") -> RedisStateStore:
        import redis

        return cls(redis.Redis.from_url(url), prefix)

    def _win(self, gateway: str, method: str | None = None) -> str:
        return f"{self.prefix}win:{gateway}" + (f":{method}" if method else "")

    def _breaker(self, gateway: str) -> str:
        return f"{self.prefix}breaker:{gateway}"

    def record(self, gateway: str, method: str, success: bool, window: int) -> None:
        v = "1" if success else "0"
        pipe = self.r.pipeline(transaction=True)
        for key in (self._win(gateway, method), self._win(gateway)):
            pipe.lpush(key, v)
            pipe.ltrim(key, 0, window - 1)
        pipe.execute()

    def _read(self, key: str) -> list[bool]:
        return [x == b"1" for x in self.r.lrange(key, 0, -1)]

    def outcomes(self, gateway: str, method: str) -> list[bool]:
        return self._read(self._win(gateway, method))

    def gateway_outcomes(self, gateway: str) -> list[bool]:
        return self._read(self._win(gateway))

    def clear_gateway_window(self, gateway: str) -> None:
        keys = [self._win(gateway), *self.r.scan_iter(match=f"{self._win(gateway)}:*")]
        self.r.delete(*keys)

    def breaker(self, gateway: str) -> BreakerState:
        return BreakerState.from_json(self.r.get(self._breaker(gateway)))

    def view(
        self, gateways: Sequence[str], method: str
    ) -> dict[str, tuple[BreakerState, list[bool]]]:
        pipe = self.r.pipeline(transaction=False)
        for g in gateways:
            pipe.get(self._breaker(g))
            pipe.lrange(self._win(g, method), 0, -1)
        got = pipe.execute()
        return {
            g: (BreakerState.from_json(got[2 * i]), [x == b"1" for x in got[2 * i + 1]])
            for i, g in enumerate(gateways)
        }

    def update_breaker(
        self, gateway: str, fn: Callable[[BreakerState], BreakerState | None]
    ) -> tuple[BreakerState, bool]:
        import redis

        key = self._breaker(gateway)
        while True:
            with self.r.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    current = BreakerState.from_json(pipe.get(key))
                    new = fn(current)
                    if new is None or new == current:
                        pipe.unwatch()
                        return current, False
                    pipe.multi()
                    pipe.set(key, new.to_json())
                    pipe.execute()
                    return new, True
                except redis.WatchError:
                    continue  # another worker changed it first: re-read and decide again

    def delete_all(self) -> int:
        """Remove every key under this store's prefix (tests, resets)."""
        keys = list(self.r.scan_iter(match=f"{self.prefix}*"))
        return int(self.r.delete(*keys)) if keys else 0
