"""Issuing, checking and rotating API keys.

A key is an id (``rzp_live_`` + 14 base62, shaped like Razorpay's so SDKs and dashboards accept it)
and a 32-character random secret shown once. Only ``sha256(secret)`` is stored: secrets are long
random strings, so a fast hash is enough and checking a request costs microseconds, not the
hundreds of milliseconds a password hash would. Rotation issues a new key and leaves the old one
working for an overlap window, so a merchant can deploy the new secret without downtime.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.models import ApiKey
from api.db import utcnow
from api.errors import ApiError
from hisaab.ids import ALPHABET

KEY_PREFIX = "rzp_live_"
SECRET_LENGTH = 32
DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)
SCOPES = ("merchant", "platform")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a merchant's key, or a platform (operations/finance) key."""

    key_id: str
    scope: str
    merchant_id: str | None

    @property
    def owner(self) -> str:
        """The namespace idempotency keys and rate limits belong to."""
        return self.merchant_id or f"platform:{self.key_id}"


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    key_secret: str
    merchant_id: str | None
    scope: str
    created_at: datetime


def is_key_id(value: str) -> bool:
    body = value.removeprefix(KEY_PREFIX)
    return value.startswith(KEY_PREFIX) and len(body) == 14 and body.isalnum() and body.isascii()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _random(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def issue_key(
    db_session: Session, *, merchant_id: str | None, scope: str = "merchant"
) -> IssuedKey:
    """Create a key; the secret is returned here and never again."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    if (scope == "merchant") != (merchant_id is not None):
        raise ValueError("a merchant key needs a merchant; a platform key must not have one")
    key_id, secret = KEY_PREFIX + _random(14), _random(SECRET_LENGTH)
    row = ApiKey(id=key_id, merchant_id=merchant_id, scope=scope, secret_sha256=_hash(secret))
    row.created_at = utcnow()
    db_session.add(row)
    db_session.flush()
    return IssuedKey(key_id, secret, merchant_id, scope, row.created_at)


def rotate_key(
    db_session: Session, *, principal: Principal, key_id: str, overlap: timedelta = DEFAULT_OVERLAP
) -> IssuedKey:
    """Issue a replacement for ``key_id``; the old key keeps working for ``overlap``."""
    if overlap < timedelta(0) or overlap > MAX_OVERLAP:
        raise ApiError(
            400,
            f"overlap must be between 0 and {int(MAX_OVERLAP.total_seconds())} seconds",
            reason="input_validation_failed",
            field="overlap_seconds",
        )
    row = db_session.get(ApiKey, key_id, with_for_update=True) if is_key_id(key_id) else None
    if row is None or row.merchant_id != principal.merchant_id or row.scope != principal.scope:
        raise ApiError(404, f"The id provided does not exist: key {key_id}", reason="not_found")
    now = utcnow()
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise ApiError(400, "This key is no longer active", reason="key_inactive", field="id")
    if row.replaced_by is not None:
        raise ApiError(
            400, f"This key was already rotated to {row.replaced_by}", reason="key_already_rotated"
        )
    new = issue_key(db_session, merchant_id=row.merchant_id, scope=row.scope)
    row.expires_at = now + overlap
    row.replaced_by = new.key_id
    invalidate_cache(key_id)
    return new


def list_keys(db_session: Session, *, principal: Principal) -> list[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.scope == principal.scope).order_by(ApiKey.created_at)
    stmt = (
        stmt.where(ApiKey.merchant_id == principal.merchant_id)
        if principal.merchant_id
        else stmt.where(ApiKey.id == principal.key_id)
    )
    return list(db_session.scalars(stmt))


# A few seconds of caching keeps the hot path off the database; rotation and revocation
# invalidate their key at once in this process and within the TTL in others.
_CACHE_TTL_S = 5.0
_cache: dict[str, tuple[float, ApiKey | None]] = {}
_cache_lock = threading.Lock()


def invalidate_cache(key_id: str | None = None) -> None:
    with _cache_lock:
        if key_id is None:
            _cache.clear()
        else:
            _cache.pop(key_id, None)


def _lookup(db_session: Session, key_id: str) -> ApiKey | None:
    hit = _cached(key_id)
    if hit is not _MISS:
        return hit  # type: ignore[return-value]
    now = time.monotonic()
    row = db_session.get(ApiKey, key_id)
    if row is not None:
        db_session.expunge(row)
    with _cache_lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[key_id] = (now, row)
    return row


_MISS = object()


def _cached(key_id: str) -> ApiKey | None | object:
    """The cached key row (or None for a cached unknown id); ``_MISS`` when not cached."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key_id)
    return hit[1] if hit and now - hit[0] < _CACHE_TTL_S else _MISS


def authenticate_cached(key_id: str, key_secret: str) -> tuple[bool, Principal | None]:
    """``(True, principal or None)`` when the answer needs no database (well-formed key cached,
    or malformed input); ``(False, None)`` when :func:`authenticate` must read the key."""
    if not is_key_id(key_id) or len(key_secret) > 256:
        return True, None
    row = _cached(key_id)
    if row is _MISS:
        return False, None
    return True, _check(row, key_secret)  # type: ignore[arg-type]


def authenticate(db_session: Session, key_id: str, key_secret: str) -> Principal | None:
    """The principal for a key id and secret, or None (unknown, wrong secret, expired, revoked)."""
    if not is_key_id(key_id) or len(key_secret) > 256:
        return None
    return _check(_lookup(db_session, key_id), key_secret)


def _check(row: ApiKey | None, key_secret: str) -> Principal | None:
    if row is None or not hmac.compare_digest(row.secret_sha256, _hash(key_secret)):
        return None
    now = utcnow()
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return Principal(key_id=row.id, scope=row.scope, merchant_id=row.merchant_id)
