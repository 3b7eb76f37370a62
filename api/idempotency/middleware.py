"""The ``Idempotency-Key`` header on every POST, as an ASGI middleware.

It sits outside the routes so it sees the exact bytes of the request and of the response,
including validation errors, and replays them byte for byte.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.deps import parse_basic
from api.auth.service import authenticate, authenticate_cached
from api.db import Database
from api.errors import SERVER_ERROR, error_body
from api.idempotency import service

HEADER = "idempotency-key"


def _json_response(status: int, body: dict[str, Any]) -> tuple[int, bytes]:
    import json

    return status, json.dumps(body).encode()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        replay_receive = _replaying(body, receive)
        db: Database = scope["app"].state.db
        creds = parse_basic(headers.get("authorization"))
        principal = None
        if creds:
            answered, principal = authenticate_cached(*creds)
            if not answered:
                principal = await run_in_threadpool(_authenticate, db, creds)
        if principal is None:  # the route answers 401; nothing is stored under the key
            await self.app(scope, replay_receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        if not service.is_valid_key(key):
            await _send(
                send,
                *_json_response(
                    400,
                    error_body(
                        "BAD_REQUEST_ERROR",
                        f"Idempotency-Key must be 1-{service.MAX_KEY_LENGTH} printable ASCII characters",
                        reason="invalid_idempotency_key",
                        field="Idempotency-Key",
                        source="business",
                    ),
                ),
            )
            return
        fingerprint = service.request_fingerprint(
            "POST", scope["path"], scope.get("query_string", b"").decode("latin-1"), body
        )
        claim = await run_in_threadpool(
            lambda: service.claim_key(
                db,
                owner=principal.owner,
                key=key,
                fingerprint=fingerprint,
                method="POST",
                path=scope["path"],
                ttl=scope["app"].state.idempotency_ttl,
            )
        )
        if claim.state == "replay":
            await _send(
                send,
                claim.status or 500,
                (claim.body or "").encode(),
                content_type=claim.content_type or "application/json",
                replayed=True,
            )
            return
        if claim.state in ("mismatch", "in_flight"):
            mismatch = claim.state == "mismatch"
            await _send(
                send,
                *_json_response(
                    422 if mismatch else 409,
                    error_body(
                        "BAD_REQUEST_ERROR",
                        "This Idempotency-Key was already used with a different request"
                        if mismatch
                        else "A request with this Idempotency-Key is still being processed; retry later",
                        reason="idempotency_key_reused"
                        if mismatch
                        else "idempotency_key_in_flight",
                        field="Idempotency-Key",
                        source="business",
                    ),
                ),
            )
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        except Exception:
            _, crash = _json_response(
                500,
                error_body(
                    SERVER_ERROR,
                    "The server encountered an error. The incident has been reported.",
                    source="internal",
                    reason="server_error",
                ),
            )
            captured["status"], captured["body"] = 500, bytearray(crash)
            await run_in_threadpool(_finish, db, claim.row_id, captured)
            raise
        await run_in_threadpool(_finish, db, claim.row_id, captured)


def _authenticate(db: Database, creds: tuple[str, str]) -> Any:
    with db.read_session() as session:
        return authenticate(session, *creds)


def _finish(db: Database, row_id: int | None, captured: dict[str, Any]) -> None:
    assert row_id is not None
    content_type = next(
        (v.decode("latin-1") for k, v in captured["headers"] if k.lower() == b"content-type"),
        "application/json",
    )
    service.finish_key(
        db,
        row_id=row_id,
        status=int(captured["status"]),
        body=bytes(captured["body"]).decode("utf-8", errors="replace"),
        content_type=content_type,
    )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, original: Receive) -> Receive:
    """Give the app the body we already read, then the client's own messages (disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    replayed: bool = False,
) -> None:
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(body)).encode()),
    ]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
