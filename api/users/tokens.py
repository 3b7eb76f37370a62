"""Session tokens for staff: HS256 JWTs with a pinned algorithm, issuer, audience and expiry.

The signing secret comes from ``HISAAB_JWT_SECRET``; when it is unset a random secret is created
once under the data dir (``.jwt_secret``, mode 0600) so the API's processes agree and restarts keep
sessions, and no built-in default secret ever exists. Decoding accepts HS256 only (never ``none``
or an asymmetric algorithm chosen by the token) and requires ``exp``, ``iat``, ``iss``, ``aud`` and
``sub``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

ALGORITHM = "HS256"
ISSUER = "hisaab-api"
AUDIENCE = "hisaab-staff"
DEFAULT_TTL = timedelta(minutes=30)
MIN_SECRET_BYTES = 32


class TokenError(ValueError):
    """A token that is missing, malformed, expired or not ours."""


@dataclass(frozen=True)
class StaffClaims:
    username: str
    role: str
    expires_at: datetime


def signing_secret(data_dir: Path) -> str:
    """``HISAAB_JWT_SECRET`` or the data dir's generated secret (created on first use)."""
    env = os.environ.get("HISAAB_JWT_SECRET")
    if env:
        if len(env.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"HISAAB_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long")
        return env
    path = Path(data_dir) / ".jwt_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def issue_token(
    username: str, role: str, secret: str, *, ttl: timedelta = DEFAULT_TTL
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires = now + ttl
    claims = {
        "sub": username,
        "role": role,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": expires,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def decode_token(token: str, secret: str) -> StaffClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the session has expired: sign in again") from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"invalid session token ({exc})") from None
    return StaffClaims(
        username=str(claims["sub"]),
        role=str(claims.get("role", "")),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
    )
