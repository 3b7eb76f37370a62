"""Helpers for staff-route tests: users with roles and their session headers."""

from __future__ import annotations

from typing import Any

from api.db import Database
from api.users.service import create_user

PASSWORD = "correct-horse-battery"


def add_user(db: Database, username: str, role: str) -> None:
    with db.session() as session:
        create_user(session, username=username, password=PASSWORD, role=role)


def login(client: Any, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
