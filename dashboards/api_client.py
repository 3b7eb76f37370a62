"""The dashboard's only way to change anything: HTTP calls to the API with the staff session.

``sign_in`` exchanges a password for a session token; ``Api`` carries that token on every call
and turns the API's error body (``{"error": {"description", ...}}``) into ``ApiProblem`` with
the message a person can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from dashboards.config import api_url

TIMEOUT = httpx.Timeout(15.0, connect=3.0)


class ApiProblem(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StaffSession:
    username: str
    role: str
    token: str
    expires_at: int


def _problem(r: httpx.Response) -> ApiProblem:
    try:
        message = r.json()["error"]["description"]
    except (ValueError, KeyError, TypeError):
        message = r.text[:300] or r.reason_phrase
    return ApiProblem(r.status_code, message)


def sign_in(username: str, password: str, base_url: str | None = None) -> StaffSession:
    try:
        r = httpx.post(
            f"{base_url or api_url()}/v1/auth/login",
            json={"username": username, "password": password},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise ApiProblem(
            0, f"The API at {base_url or api_url()} is not reachable ({exc}); start it: make serve"
        ) from None
    if r.status_code != 200:
        raise _problem(r)
    body = r.json()
    return StaffSession(body["username"], body["role"], body["access_token"], body["expires_at"])


class Api:
    def __init__(self, session: StaffSession, base_url: str | None = None) -> None:
        self.session = session
        self.base_url = base_url or api_url()

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            r = httpx.request(
                method,
                f"{self.base_url}/v1{path}",
                headers={"Authorization": f"Bearer {self.session.token}"},
                timeout=TIMEOUT,
                **kw,
            )
        except httpx.HTTPError as exc:
            raise ApiProblem(0, f"The API at {self.base_url} is not reachable ({exc})") from None
        if r.status_code >= 400:
            raise _problem(r)
        return r

    def get(self, path: str, **params: Any) -> Any:
        return self._call(
            "GET", path, params={k: v for k, v in params.items() if v is not None}
        ).json()

    def get_list(self, path: str, params: list[tuple[str, Any]]) -> Any:
        """GET with query parameters that may repeat (``kind=a&kind=b``)."""
        return self._call("GET", path, params=params).json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        r = self._call("POST", path, json=body or {})
        return r.json() if r.headers.get("content-type", "").startswith("application/json") else r

    def get_raw(self, path: str) -> httpx.Response:
        return self._call("GET", path)
