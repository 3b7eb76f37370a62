"""Shared request/response vocabulary: strict inputs, paise amounts, notes, collections.

Inputs refuse unknown fields and wrong types (``"100"`` is not an amount; ``true`` is not one
either), so a merchant's bug is reported at the field where it is, not charged.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

MIN_AMOUNT_PAISE = 100  # ₹1, Razorpay's minimum
MAX_AMOUNT_PAISE = 50_00_00_000_00  # ₹5 crore: above any single payment this aggregator takes
MAX_NOTES = 15
MAX_NOTE_LENGTH = 256

Currency = Literal["INR"]
AmountPaise = Annotated[StrictInt, Field(ge=MIN_AMOUNT_PAISE, le=MAX_AMOUNT_PAISE)]
RefundAmountPaise = Annotated[StrictInt, Field(ge=100, le=MAX_AMOUNT_PAISE)]
ShortText = Annotated[StrictStr, Field(min_length=1, max_length=40)]


def _check_notes(notes: dict[str, Any]) -> dict[str, Any]:
    if len(notes) > MAX_NOTES:
        raise ValueError(f"at most {MAX_NOTES} notes are allowed")
    for key, value in notes.items():
        if len(key) > MAX_NOTE_LENGTH or len(str(value)) > MAX_NOTE_LENGTH:
            raise ValueError(f"note keys and values are limited to {MAX_NOTE_LENGTH} characters")
    return notes


Notes = Annotated[
    dict[Annotated[str, Field(max_length=MAX_NOTE_LENGTH)], StrictStr | StrictInt],
    AfterValidator(_check_notes),
]


def _refuse_nul(data: Any) -> Any:
    """Postgres text cannot hold NUL, and no legitimate field needs control characters."""

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if "\x00" in value:
                raise PydanticCustomError("nul_character", "text must not contain NUL characters")
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    return data


class Input(BaseModel):
    """Base of every request body: unknown fields are errors, types are strict, no NUL."""

    model_config = ConfigDict(extra="forbid", strict=True)

    _refuse_nul = model_validator(mode="before")(_refuse_nul)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Collection(BaseModel, Generic[T]):
    """Razorpay's list envelope."""

    entity: Literal["collection"] = "collection"
    count: int
    items: list[T]


#: The last second a timestamp can name (9999-12-31T23:59:59Z): later ``from``/``to`` values are
#: refused as bad input instead of overflowing the date type (a 500).
MAX_UNIX_TIME = 253_402_300_799


class Page(BaseModel):
    """``count``/``skip``/``from``/``to`` as Razorpay's list endpoints take them."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    count: int = Field(10, ge=1, le=100)
    skip: int = Field(0, ge=0, le=1_000_000)
    from_: int | None = Field(None, alias="from", ge=0, le=MAX_UNIX_TIME)
    to: int | None = Field(None, ge=0, le=MAX_UNIX_TIME)
