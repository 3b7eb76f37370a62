"""HTTP routes for staff sign-in: ``POST /v1/auth/login`` and ``GET /v1/auth/me``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth.deps import DbDep
from api.errors import ApiError
from api.users import service
from api.users.deps import CurrentStaff, jwt_secret
from api.users.schemas import LoginIn, SessionOut, StaffOut
from api.users.tokens import issue_token

router = APIRouter(tags=["staff sessions"])


@router.post("/auth/login", response_model=SessionOut)
def login(body: LoginIn, request: Request, db: DbDep) -> SessionOut:
    """Exchange a staff user's password for a 30-minute session token."""
    with db.session() as session:
        user = service.authenticate(session, body.username, body.password)
        if user is None:
            raise ApiError(
                401,
                "Wrong user name or password",
                reason="login_failed",
                source="NA",
            )
        username, role = user.username, user.role
    token, expires = issue_token(username, role, jwt_secret(request))
    return SessionOut(
        access_token=token, expires_at=int(expires.timestamp()), username=username, role=role
    )


@router.get("/auth/me", response_model=StaffOut)
def me(staff: CurrentStaff) -> StaffOut:
    """Who this session token belongs to."""
    return StaffOut(
        username=staff.username, role=staff.role, expires_at=int(staff.expires_at.timestamp())
    )
