"""Request dependencies for staff routes: a valid Bearer session token with the right role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from api.errors import ApiError
from api.users.tokens import StaffClaims, TokenError, decode_token, signing_secret

bearer_scheme = HTTPBearer(auto_error=False, description="Session token from POST /v1/auth/login")


def jwt_secret(request: Request) -> str:
    cached = getattr(request.app.state, "jwt_secret", None)
    if cached is None:
        cached = signing_secret(Path(request.app.state.settings.data_dir))
        request.app.state.jwt_secret = cached
    return cached


def _unauthorised(description: str) -> ApiError:
    return ApiError(
        401,
        description,
        reason="session_invalid",
        source="NA",
        headers={"WWW-Authenticate": 'Bearer realm="hisaab-staff"'},
    )


def current_staff(request: Request, _scheme: object = Depends(bearer_scheme)) -> StaffClaims:
    header = request.headers.get("authorization") or ""
    if not header[:7].lower() == "bearer ":
        raise _unauthorised("Sign in: send the session token as 'Authorization: Bearer <token>'")
    try:
        return decode_token(header[7:].strip(), jwt_secret(request))
    except TokenError as exc:
        raise _unauthorised(str(exc)) from None


CurrentStaff = Annotated[StaffClaims, Depends(current_staff)]


def require_role(*roles: str) -> Callable[[StaffClaims], StaffClaims]:
    """A dependency that lets through these roles (and admin), refusing others with 403."""
    allowed = frozenset(roles) | {"admin"}

    def check(staff: CurrentStaff) -> StaffClaims:
        if staff.role not in allowed:
            raise ApiError(
                403,
                f"This needs the {' or '.join(sorted(roles))} role; you are signed in as "
                f"{staff.role}",
                reason="role_required",
            )
        return staff

    return check
