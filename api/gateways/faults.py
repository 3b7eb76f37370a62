"""Seeded fault injection for the emulated gateways: declines, timeouts, pending, downtime.

User need: tests and the end-to-end flow must be able to say "PayU times out 5% of the time"
or "Razorpay is down for the next ten minutes" and get the same outcomes on every run. Every
draw is a hash of ``(seed, gateway, operation, our reference)`` (the simulator's
``keys.uniform``), not a shared random stream, so outcomes do not depend on the order in which
concurrent requests arrive.

``decline_rate=None`` means the gateway's natural decline rate for the method
(``1 - success_rate`` from the simulator's gateway profiles). A ``Degradation`` overrides the
rates for one gateway (optionally some methods) between two instants; ``FaultInjector.degrade``
adds one at run time. A timed-out call may still have gone through at the gateway: with
``timeout_completes_rate`` it did, and ``status()`` later says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from pipelines.simulator import keys
from pipelines.simulator.gateways import GATEWAYS as SIMULATOR_PROFILES

# Outcomes of a draw.
OK = "ok"
DECLINE = "decline"
TIMEOUT = "timeout"
PENDING = "pending"
DOWNTIME = "downtime"


@dataclass(frozen=True)
class FaultRates:
    """Per-gateway rates; each a probability per call."""

    decline_rate: float | None = None  # authorise only; None: the gateway's natural rate
    timeout_rate: float = 0.0  # authorise, capture, refund
    pending_rate: float = 0.0  # authorise only: "created"/"pending"/"Awaited"
    timeout_completes_rate: float = 0.5  # share of timed-out calls the gateway did complete
    pending_succeeds_rate: float = 0.8  # share of pending payments that end authorised
    pending_resolve_s: float = 0.0  # how long a pending payment stays pending

    def __post_init__(self) -> None:
        for name in ("timeout_rate", "pending_rate", "timeout_completes_rate"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {v}")
        if self.decline_rate is not None and not 0.0 <= self.decline_rate <= 1.0:
            raise ValueError("decline_rate must be in [0, 1]")


NO_FAULTS = FaultRates(decline_rate=0.0)
REALISTIC = FaultRates(decline_rate=None, timeout_rate=0.002, pending_rate=0.005)


@dataclass(frozen=True)
class Degradation:
    """A gateway in trouble between ``start`` and ``end`` (UTC)."""

    gateway: str
    start: datetime
    end: datetime
    failure_rate: float = 1.0  # calls failing with the gateway's downtime error
    timeout_rate: float = 0.0
    methods: frozenset[str] | None = None  # None: every method

    def active(self, gateway: str, method: str | None, now: datetime) -> bool:
        return (
            self.gateway == gateway
            and self.start <= now < self.end
            and (self.methods is None or method is None or method in self.methods)
        )


@dataclass(frozen=True)
class FaultConfig:
    """The whole fault plan: a seed, rates per gateway (``"*"`` for all), degradations."""

    seed: int = 0
    rates: dict[str, FaultRates] = field(default_factory=lambda: {"*": NO_FAULTS})
    degradations: tuple[Degradation, ...] = ()

    def rates_for(self, gateway: str) -> FaultRates:
        return self.rates.get(gateway) or self.rates.get("*") or NO_FAULTS

    @classmethod
    def none(cls, seed: int = 0) -> FaultConfig:
        """Every call succeeds (unless degraded)."""
        return cls(seed=seed, rates={"*": NO_FAULTS})

    @classmethod
    def realistic(cls, seed: int = 0) -> FaultConfig:
        """Natural declines, rare timeouts and pending payments."""
        return cls(seed=seed, rates={"*": REALISTIC})


@dataclass(frozen=True)
class Draw:
    """One call's fate: its kind, and uniforms to pick an error code and the latency."""

    kind: str
    completes: bool  # for TIMEOUT/PENDING: did (or will) the gateway go through with it
    pick: float  # in [0, 1): which error of the catalogue
    latency_u: float  # in [0, 1): where the latency falls in its distribution


def utc_now() -> datetime:
    return datetime.now(UTC)


class FaultInjector:
    """Decides, deterministically, what happens to each gateway call."""

    def __init__(
        self, config: FaultConfig | None = None, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.config = config or FaultConfig.none()
        self.clock = clock
        self._lock = threading.Lock()
        self._runtime: list[Degradation] = []

    def degrade(
        self,
        gateway: str,
        *,
        for_seconds: float | None = None,
        until: datetime | None = None,
        failure_rate: float = 1.0,
        timeout_rate: float = 0.0,
        methods: frozenset[str] | None = None,
    ) -> Degradation:
        """Put ``gateway`` in trouble from now until ``until`` (or for ``for_seconds``)."""
        now = self.clock()
        if until is None:
            if for_seconds is None:
                raise ValueError("give for_seconds or until")
            until = now + timedelta(seconds=for_seconds)
        d = Degradation(gateway, now, until, failure_rate, timeout_rate, methods)
        with self._lock:
            self._runtime.append(d)
        return d

    def recover(self, gateway: str) -> None:
        """End every run-time degradation of ``gateway`` now."""
        now = self.clock()
        with self._lock:
            self._runtime = [
                replace(d, end=min(d.end, now)) if d.gateway == gateway else d
                for d in self._runtime
            ]

    def reconfigure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._runtime.clear()

    def degradation(self, gateway: str, method: str | None) -> Degradation | None:
        now = self.clock()
        with self._lock:
            plans = (*self.config.degradations, *self._runtime)
        for d in plans:
            if d.active(gateway, method, now):
                return d
        return None

    def draw(self, gateway: str, operation: str, reference: str, method: str | None) -> Draw:
        """The fate of ``operation`` (authorize | capture | refund) on ``reference``."""
        seed = self.config.seed
        u = keys.uniform(seed, "fault", gateway, operation, reference)
        completes = keys.uniform(seed, "completes", gateway, operation, reference)
        pick = keys.uniform(seed, "pick", gateway, operation, reference)
        latency_u = keys.uniform(seed, "latency", gateway, operation, reference)
        rates = self.config.rates_for(gateway)

        def make(kind: str, completes_rate: float = 0.0) -> Draw:
            return Draw(kind, completes < completes_rate, pick, latency_u)

        degraded = self.degradation(gateway, method)
        if degraded is not None:
            if u < degraded.timeout_rate:
                return make(TIMEOUT, rates.timeout_completes_rate)
            if u < degraded.timeout_rate + degraded.failure_rate:
                return make(DOWNTIME)
            u = (u - degraded.timeout_rate - degraded.failure_rate) / max(
                1e-12, 1 - degraded.timeout_rate - degraded.failure_rate
            )
        if u < rates.timeout_rate:
            return make(TIMEOUT, rates.timeout_completes_rate)
        if operation != "authorize":
            return make(OK)
        u2 = (u - rates.timeout_rate) / max(1e-12, 1 - rates.timeout_rate)
        if u2 < rates.pending_rate:
            return make(PENDING, rates.pending_succeeds_rate)
        decline = rates.decline_rate
        if decline is None:
            profile = SIMULATOR_PROFILES.get(gateway)
            decline = 1.0 - profile.success_rate.get(method or "", 1.0) if profile else 0.0
        u3 = (u2 - rates.pending_rate) / max(1e-12, 1 - rates.pending_rate)
        return make(DECLINE) if u3 < decline else make(OK)
