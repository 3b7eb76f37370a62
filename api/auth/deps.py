"""Request dependencies that authenticate the caller (HTTP Basic: key id and secret)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBasic
from starlette.concurrency import run_in_threadpool

from api.auth.service import Principal, authenticate, authenticate_cached
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


async def principal_from_request(request: Request) -> Principal | None:
    """Authenticate once per request (the idempotency layer may already have done it).

    A key checked in the last few seconds is answered from the in-process cache on the event
    loop; only a cache miss reads the database, in the thread pool.
    """
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    creds = parse_basic(request.headers.get("authorization"))
    if creds is None:
        return None
    answered, principal = authenticate_cached(*creds)
    if not answered:
        principal = await run_in_threadpool(_authenticate, request.app.state.db, creds)
    request.state.principal = principal
    return principal


def _authenticate(db: Database, creds: tuple[str, str]) -> Principal | None:
    with db.read_session() as session:
        return authenticate(session, *creds)


async def require_principal(request: Request, _scheme: object = Depends(basic_scheme)) -> Principal:
    """The authenticated caller, within its key's rate limit (429 with Retry-After beyond it).

    Runs on the event loop (no thread-pool hop per request); a limiter that makes a network
    round trip (Redis) is called from the thread pool.
    """
    principal = await principal_from_request(request)
    if principal is None:
        raise _unauthorised()
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is not None:
        if getattr(limiter, "blocking", True):
            decision = await run_in_threadpool(limiter.hit, principal.key_id)
        else:
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


async def require_merchant(
    principal: Annotated[Principal, Depends(require_principal)],
) -> Principal:
    if principal.merchant_id is None:
        raise ApiError(
            403,
            "This route acts for a merchant: use a merchant's key",
            reason="merchant_key_required",
        )
    return principal


async def require_platform(
    principal: Annotated[Principal, Depends(require_principal)],
) -> Principal:
    if principal.scope != "platform":
        raise ApiError(403, "This route needs a platform key", reason="platform_key_required")
    return principal


AnyPrincipal = Annotated[Principal, Depends(require_principal)]
MerchantPrincipal = Annotated[Principal, Depends(require_merchant)]
PlatformPrincipal = Annotated[Principal, Depends(require_platform)]


async def get_db(request: Request) -> Database:
    return request.app.state.db


DbDep = Annotated[Database, Depends(get_db)]
