"""How the emulated gateways are set up in a running process, from the environment.

User need: the platform operator (and the test suite and benchmarks) choose how the emulated
gateways behave without code: ``HISAAB_GATEWAY_LATENCY_SCALE=0`` for tests and benchmarks (no
sleeping), ``HISAAB_GATEWAY_FAULTS=none`` for a clean end-to-end run, ``HISAAB_GATEWAY_DEGRADED=razorpay``
to start a server with a gateway down (to watch routing fail over), a seed for repeatability.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.gateways.catalogue import CATALOGUES
from api.gateways.faults import Degradation, FaultConfig
from hisaab.settings import get_settings

_FOREVER = (datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))


class EmulatorSettings(BaseSettings):
    """Settings of the emulated Razorpay, PayU and CCAvenue."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    seed: int = Field(default=0, validation_alias=AliasChoices("HISAAB_GATEWAY_SEED", "seed"))
    latency_scale: float = Field(
        default=1.0,
        ge=0.0,
        validation_alias=AliasChoices("HISAAB_GATEWAY_LATENCY_SCALE", "latency_scale"),
        description="Multiplies every emulated latency; 0 means no sleeping at all.",
    )
    timeout_ms: float = Field(
        default=10_000.0,
        gt=0,
        validation_alias=AliasChoices("HISAAB_GATEWAY_TIMEOUT_MS", "timeout_ms"),
        description="How long a timed-out call takes before it returns 'unknown' (then scaled).",
    )
    faults: str = Field(
        default="realistic",
        pattern="^(realistic|none)$",
        validation_alias=AliasChoices("HISAAB_GATEWAY_FAULTS", "faults"),
        description="realistic: natural declines, rare timeouts and pending; none: all succeed.",
    )
    degraded: str = Field(
        default="",
        validation_alias=AliasChoices("HISAAB_GATEWAY_DEGRADED", "degraded"),
        description="Gateways down for the life of the process: 'razorpay' or 'payu:upi,card;ccavenue'.",
    )
    journal_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("HISAAB_GATEWAY_JOURNAL", "journal_path"),
        description="Defaults to <data_dir>/gateways/journal.sqlite3.",
    )
    razorpay_webhook_secret: str = Field(
        default="rzp_webhook_dev_secret",
        validation_alias=AliasChoices("HISAAB_RAZORPAY_WEBHOOK_SECRET", "razorpay_webhook_secret"),
    )
    payu_key: str = Field(
        default="gtKFFx", validation_alias=AliasChoices("HISAAB_PAYU_KEY", "payu_key")
    )
    payu_salt: str = Field(
        default="payu_dev_salt", validation_alias=AliasChoices("HISAAB_PAYU_SALT", "payu_salt")
    )
    ccavenue_working_key: str = Field(
        default="ccavenue_dev_working_key",
        validation_alias=AliasChoices("HISAAB_CCAVENUE_WORKING_KEY", "ccavenue_working_key"),
    )

    def degradations(self) -> tuple[Degradation, ...]:
        """``degraded`` as fault-plan degradations (every call fails with the downtime error)."""
        out = []
        for part in filter(None, (p.strip() for p in self.degraded.split(";"))):
            gateway, _, methods = part.partition(":")
            if gateway not in CATALOGUES:
                raise ValueError(f"HISAAB_GATEWAY_DEGRADED: unknown gateway {gateway!r}")
            chosen = frozenset(m.strip() for m in methods.split(",") if m.strip()) or None
            out.append(Degradation(gateway, _FOREVER[0], _FOREVER[1], methods=chosen))
        return tuple(out)

    def fault_config(self) -> FaultConfig:
        base = (
            FaultConfig.realistic(self.seed)
            if self.faults == "realistic"
            else FaultConfig.none(self.seed)
        )
        return FaultConfig(seed=base.seed, rates=base.rates, degradations=self.degradations())

    def journal(self) -> Path:
        return self.journal_path or get_settings().data_dir / "gateways" / "journal.sqlite3"
