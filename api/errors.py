"""Errors in Razorpay's shape, so a merchant's existing error handling (and the SDK) works.

Every 4xx and 5xx body is ``{"error": {"code", "description", "source", "step", "reason",
"metadata", "field"}}``. Malformed payloads (wrong types, unknown fields, out-of-range values)
answer 422 with the offending ``field``; business rules answer 400 (not allowed now), 404 (not
yours or not there), 409 (conflicts with a request in flight or a concurrent change).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from hisaab.logging import get_logger

_log = get_logger("api.errors")

BAD_REQUEST = "BAD_REQUEST_ERROR"
GATEWAY_ERROR = "GATEWAY_ERROR"
SERVER_ERROR = "SERVER_ERROR"


class ErrorDetail(BaseModel):
    code: str
    description: str
    source: str | None
    step: str | None
    reason: str | None
    metadata: dict[str, Any]
    field: str | None


class ErrorEnvelope(BaseModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": text}
    for status, text in (
        (400, "A business rule refused the request"),
        (401, "Authentication failed"),
        (403, "The key may not use this route"),
        (404, "No such object for this merchant"),
        (409, "Conflicts with a request in flight or a concurrent change"),
        (422, "The request is malformed (field named in error.field)"),
        (429, "Rate limited; see Retry-After"),
        (502, "The gateway refused"),
        (503, "No gateway available"),
        (504, "The gateway's outcome is unknown"),
    )
}


class ApiError(Exception):
    """A business error with its HTTP status and Razorpay error fields."""

    def __init__(
        self,
        status_code: int,
        description: str,
        *,
        reason: str,
        field: str | None = None,
        code: str = BAD_REQUEST,
        source: str = "business",
        step: str = "NA",
        metadata: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description
        self.reason = reason
        self.field = field
        self.code = code
        self.source = source
        self.step = step
        self.metadata = metadata or {}
        self.headers = headers


def not_found(entity: str, object_id: str) -> ApiError:
    """404 for an id that does not exist *or* belongs to another merchant (never say which)."""
    shown = object_id if object_id.isprintable() and len(object_id) <= 64 else "(malformed id)"
    return ApiError(
        404,
        f"The id provided does not exist: {entity} {shown}",
        reason="not_found",
        field="id",
    )


def error_body(
    code: str,
    description: str,
    *,
    source: str = "NA",
    step: str = "NA",
    reason: str = "NA",
    metadata: dict[str, Any] | None = None,
    field: str | None = None,
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "description": description,
            "source": source,
            "step": step,
            "reason": reason,
            "metadata": metadata or {},
            "field": field,
        }
    }


def error_response(
    status_code: int, code: str, description: str, headers: dict[str, str] | None = None, **kw: Any
) -> JSONResponse:
    return JSONResponse(
        error_body(code, description, **kw), status_code=status_code, headers=headers
    )


def _field_of(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def _error_field(err: dict[str, Any]) -> str | None:
    ctx = err.get("ctx") or {}
    return _field_of(tuple(err.get("loc", ()))) or (
        ctx.get("field") if isinstance(ctx, dict) else None
    )


def _validation_description(err: dict[str, Any]) -> str:
    field = _error_field(err) or "request body"
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return f"{field} is not a field this request accepts"
    if kind == "missing":
        return f"{field} is required"
    if kind == "json_invalid":
        return "The request body is not valid JSON"
    msg = str(err.get("msg", "is invalid"))
    msg = msg.removeprefix("Value error, ")
    if kind in ("instrument_missing", "instrument_mismatch", "card_number_not_accepted"):
        return msg
    return f"{field}: {msg}"


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the app can raise in the Razorpay shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            exc.status_code,
            exc.code,
            exc.description,
            headers=exc.headers,
            source=exc.source,
            step=exc.step,
            reason=exc.reason,
            metadata=exc.metadata,
            field=exc.field,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        first = errors[0] if errors else {}
        # Never echo the rejected input: it may be a card number or a secret.
        details = [
            {
                "field": _error_field(e),
                "reason": e.get("type"),
                "description": _validation_description(e),
            }
            for e in errors[:20]
        ]
        return error_response(
            422,
            BAD_REQUEST,
            _validation_description(first) if first else "The request is invalid",
            source="business",
            step="NA",
            reason=str(first.get("type", "input_validation_failed")),
            metadata={"errors": details},
            field=_error_field(first) if first else None,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        description = (
            exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        )
        reason = {404: "not_found", 405: "method_not_allowed", 401: "authentication_failed"}.get(
            exc.status_code, "NA"
        )
        return error_response(
            exc.status_code,
            BAD_REQUEST if exc.status_code < 500 else SERVER_ERROR,
            description,
            headers=getattr(exc, "headers", None),
            reason=reason,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.error(
            "unhandled_error",
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"fields": {"method": request.method, "path": request.url.path}},
        )
        return error_response(
            500,
            SERVER_ERROR,
            "The server encountered an error. The incident has been reported.",
            source="internal",
            reason="server_error",
        )
