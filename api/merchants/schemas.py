"""Onboarding payloads: KYC identifiers are checked with the kernel's validators."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StrictInt, StrictStr, model_validator

from api.schemas import Input, Output
from hisaab.kyc import KycError, validate_gstin, validate_ifsc, validate_pan

Mdr = Annotated[StrictInt, Field(ge=0, le=1_000)]  # at most 10%


def _kyc(validator):  # type: ignore[no-untyped-def]
    def check(value: str) -> str:
        try:
            return validator(value.strip().upper())
        except KycError as exc:
            raise ValueError(str(exc)) from exc

    return AfterValidator(check)


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,24}", value):
        raise ValueError("not an e-mail address")
    return value


def _https_url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", value):
        raise ValueError("must be an http(s) URL")
    return value


class MdrBps(Input):
    upi: Mdr = 0
    card: Mdr
    netbanking: Mdr
    wallet: Mdr


class MerchantCreate(Input):
    name: Annotated[StrictStr, Field(min_length=1, max_length=120)]
    email: Annotated[StrictStr, Field(max_length=254), AfterValidator(_email)]
    category: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    mcc: Annotated[StrictStr, Field(pattern=r"^[0-9]{4}$")]
    pan: Annotated[StrictStr, Field(max_length=10), _kyc(validate_pan)]
    gstin: Annotated[StrictStr, Field(max_length=15), _kyc(validate_gstin)] | None = None
    settlement_ifsc: Annotated[StrictStr, Field(max_length=11), _kyc(validate_ifsc)]
    settlement_account_number: Annotated[StrictStr, Field(pattern=r"^[0-9]{9,18}$")]
    mdr_bps: MdrBps
    settlement_cycle_days: Annotated[StrictInt, Field(ge=0, le=7)] = 2
    webhook_url: Annotated[StrictStr, Field(max_length=2048), AfterValidator(_https_url)] | None = (
        None
    )

    @model_validator(mode="after")
    def _gstin_belongs_to_pan(self) -> MerchantCreate:
        if self.gstin and self.gstin[2:12] != self.pan:
            raise ValueError("gstin: characters 3-12 of the GSTIN must be the merchant's PAN")
        return self


class MerchantUpdate(Input):
    webhook_url: Annotated[StrictStr, Field(max_length=2048), AfterValidator(_https_url)] | None = (
        None
    )


class MerchantOut(Output):
    id: str
    entity: Literal["merchant"] = "merchant"
    name: str
    email: str
    category: str
    mcc: str
    pan: str
    gstin: str | None
    settlement_ifsc: str
    settlement_account_number: str
    mdr_bps: dict[str, int]
    settlement_cycle_days: int
    webhook_url: str | None
    status: str
    created_at: int


class ApiKeyOut(BaseModel):
    id: str
    entity: Literal["key"] = "key"
    scope: str
    created_at: int
    expires_at: int | None
    replaced_by: str | None = None


class IssuedKeyOut(BaseModel):
    id: str
    entity: Literal["key"] = "key"
    secret: str = Field(description="Shown once; store it now.")
    created_at: int


class OnboardedMerchantOut(BaseModel):
    merchant: MerchantOut
    key: IssuedKeyOut
    webhook_secret: str = Field(description="Signs webhooks to this merchant; shown once.")


class RotateKey(Input):
    overlap_seconds: Annotated[StrictInt, Field(ge=0, le=7 * 86_400)] = 86_400


class RotatedKeyOut(BaseModel):
    key: IssuedKeyOut
    previous_key: ApiKeyOut
