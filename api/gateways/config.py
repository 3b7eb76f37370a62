"""How the emulated gateways are set up in a running process, from the environment.

User need: the platform operator (and the test suite and benchmarks) choose how the emulated
gateways behave without code: ``HISAAB_GATEWAY_LATENCY_SCALE=0`` for tests and benchmarks (no
sleeping), ``HISAAB_GATEWAY_FAULTS=none`` for a clean end-to-end run, a seed for repeatability.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from hisaab.settings import get_settings


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

    def journal(self) -> Path:
        return self.journal_path or get_settings().data_dir / "gateways" / "journal.sqlite3"
