"""Creating staff users and checking their passwords (argon2id via argon2-cffi)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.users.models import StaffUser

ROLES = ("finance", "risk", "compliance", "ops", "admin")
MIN_PASSWORD_LENGTH = 10
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")

_hasher = PasswordHasher()
# Verifying an unknown user still costs one hash, so timing does not reveal who exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class UserError(ValueError):
    """A user that cannot be created as asked (bad name, weak password, unknown role, taken)."""


def create_user(db_session: Session, *, username: str, password: str, role: str) -> StaffUser:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not USERNAME_RE.match(username):
        raise UserError(
            "username: 2-64 characters, lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if db_session.get(StaffUser, username) is not None:
        raise UserError(f"user {username!r} already exists")
    user = StaffUser(
        username=username, role=role, password_hash=_hasher.hash(password), is_active=True
    )
    db_session.add(user)
    db_session.flush()
    return user


def authenticate(db_session: Session, username: str, password: str) -> StaffUser | None:
    """The active user whose password this is, or None (same cost either way)."""
    user = db_session.get(StaffUser, username)
    hashed = user.password_hash if user is not None and user.is_active else _DUMMY_HASH
    try:
        _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def list_users(db_session: Session) -> list[StaffUser]:
    return list(db_session.scalars(select(StaffUser).order_by(StaffUser.username)))
