"""Login request and session response."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class SessionOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: int
    username: str
    role: str


class StaffOut(BaseModel):
    username: str
    role: str
    expires_at: int
