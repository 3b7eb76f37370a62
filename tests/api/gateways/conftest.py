"""Emulated gateways on a fresh journal, a controllable clock and no sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.gateways.base import AuthorizeRequest
from api.gateways.emulator import EmulatedGateway, build_emulators
from api.gateways.faults import FaultConfig, FaultInjector
from api.gateways.journal import GatewayJournal


@dataclass
class Clock:
    now: datetime = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)  # 12:00 IST on a Tuesday

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class World:
    journal: GatewayJournal
    faults: FaultInjector
    clock: Clock
    gateways: dict[str, EmulatedGateway]
    sleeps: list[float] = field(default_factory=list)

    def reconfigure(self, config: FaultConfig) -> None:
        self.faults.reconfigure(config)


def make_world(path: Path, config: FaultConfig | None = None, latency_scale: float = 0.0) -> World:
    clock = Clock()
    journal = GatewayJournal(path)
    faults = FaultInjector(config or FaultConfig.none(seed=7), clock=clock)
    sleeps: list[float] = []
    gws = build_emulators(journal, faults, latency_scale=latency_scale, sleep=sleeps.append)
    return World(journal, faults, clock, gws, sleeps)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = make_world(tmp_path / "journal.sqlite3")
    yield w
    w.journal.close()


_counter = iter(range(1, 10**9))


def request(method: str = "upi", amount_paise: int = 49_900, **kw: object) -> AuthorizeRequest:
    n = next(_counter)
    base: dict[str, object] = {
        "payment_id": f"pay_T{n:013d}",
        "order_id": f"order_T{n:011d}",
        "merchant_id": "mer_Test000000001",
        "method": method,
        "amount_paise": amount_paise,
        "currency": "INR",
        "vpa": "asha@okhdfc" if method == "upi" else None,
        "card_token": "token_Visa00000001" if method == "card" else None,
        "card_network": "Visa" if method == "card" else None,
        "card_type": "credit" if method == "card" else None,
        "bank_code": "HDFC" if method == "netbanking" else None,
        "wallet": "amazonpay" if method == "wallet" else None,
        "mdr_bps": {"upi": 0, "card": 200, "netbanking": 150, "wallet": 190}[method],
    }
    base.update(kw)
    return AuthorizeRequest(**base)  # type: ignore[arg-type]


RequestFactory = Callable[..., AuthorizeRequest]
