"""Claiming an idempotency key, and storing the response to replay.

The first request with a key claims it (a unique row per merchant and key, committed before
the work starts). A retry with the same body gets the stored response back, errors included; a
retry with a different body is refused (422); a retry while the first is still running is told
to wait (409). Keys live at least ``ttl`` (24 h by default) and are purged afterwards.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from api.db import Database, utcnow
from api.idempotency.models import IdempotencyKey

DEFAULT_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Claim:
    """``new`` (go ahead; ``row_id`` to finish), ``replay``, ``mismatch`` or ``in_flight``."""

    state: str
    row_id: int | None = None
    status: int | None = None
    body: str | None = None
    content_type: str | None = None


def request_fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """Same request = same method, path, query and JSON body (key order and spacing ignored)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        canonical = body
    h = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), canonical):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def is_valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(c) <= 126 for c in key)


def claim_key(
    db: Database,
    *,
    owner: str,
    key: str,
    fingerprint: str,
    method: str,
    path: str,
    ttl: timedelta = DEFAULT_TTL,
) -> Claim:
    for _ in range(5):
        now = utcnow()
        try:
            with db.session() as session:
                row = session.scalar(
                    select(IdempotencyKey).where(
                        IdempotencyKey.owner == owner, IdempotencyKey.key == key
                    )
                )
                if row is not None and row.expires_at <= now:
                    session.delete(row)
                    session.flush()
                    row = None
                if row is None:
                    row = IdempotencyKey(
                        owner=owner,
                        key=key,
                        request_sha256=fingerprint,
                        method=method,
                        path=path[:512],
                        state="in_flight",
                        created_at=now,
                        expires_at=now + ttl,
                    )
                    session.add(row)
                    session.flush()
                    return Claim("new", row_id=row.id)
                if row.request_sha256 != fingerprint:
                    return Claim("mismatch")
                if row.state != "done":
                    return Claim("in_flight")
                return Claim(
                    "replay",
                    status=row.response_status,
                    body=row.response_body,
                    content_type=row.response_content_type,
                )
        except IntegrityError:
            continue  # another request inserted the same key first: read it
    return Claim("in_flight")


def finish_key(db: Database, *, row_id: int, status: int, body: str, content_type: str) -> None:
    with db.session() as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == row_id)
            .values(
                state="done",
                response_status=status,
                response_body=body,
                response_content_type=content_type,
            )
        )


def purge_expired(db: Database) -> int:
    """Delete keys past their retention; returns how many."""
    with db.session() as session:
        result = session.execute(
            delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow())
        )
        return int(result.rowcount or 0)
