"""Request dependencies that authenticate the caller (HTTP Basic: key id and secret)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBasic

from api.auth.service import Principal, authenticate
from api.db import Database
from api.errors import ApiError

# Declared so the OpenAPI document says how to authenticate; parsing is ours (Razorpay's errors).
basic_scheme = HTTPBasic(
    auto_error=False, description="Key id as user name, key secret as password"
)


def _unauthorised() -> ApiError:
    return ApiError(
        401,
        "Authentication failed: send your key id and key secret with HTTP Basic auth",
        reason="authentication_failed",
        source="NA",
        headers={"WWW-Authenticate": 'Basic realm="hisaab"'},
    )


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key_id, sep, secret = decoded.partition(":")
    return (key_id, secret) if sep else None


def principal_from_request(request: Request) -> Principal | None:
    """Authenticate once per request (the idempotency layer may already have done it)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    creds = parse_basic(request.headers.get("authorization"))
    if creds is None:
        return None
    db: Database = request.app.state.db
    with db.read_session() as session:
        principal = authenticate(session, *creds)
    request.state.principal = principal
    return principal


def require_principal(request: Request, _scheme: object = Depends(basic_scheme)) -> Principal:
    """The authenticated caller, within its key's rate limit (429 with Retry-After beyond it)."""
    principal = principal_from_request(request)
    if principal is None:
        raise _unauthorised()
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is not None:
        decision = limiter.hit(principal.key_id)
        if not decision.allowed:
            raise ApiError(
                429,
                "Too many requests with this key; retry after the time in Retry-After",
                reason="rate_limited",
                source="NA",
                headers={"Retry-After": decision.retry_after_header},
            )
    return principal


def require_merchant(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    if principal.merchant_id is None:
        raise ApiError(
            403,
            "This route acts for a merchant: use a merchant's key",
            reason="merchant_key_required",
        )
    return principal


def require_platform(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
    if principal.scope != "platform":
        raise ApiError(403, "This route needs a platform key", reason="platform_key_required")
    return principal


AnyPrincipal = Annotated[Principal, Depends(require_principal)]
MerchantPrincipal = Annotated[Principal, Depends(require_merchant)]
PlatformPrincipal = Annotated[Principal, Depends(require_platform)]


def get_db(request: Request) -> Database:
    return request.app.state.db


DbDep = Annotated[Database, Depends(get_db)]
