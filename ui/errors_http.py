"""Every error the HTTP API can give, as JSON `{"error": {"code", "message"}}` with a stable code.

Codes: bad_request (400/422), unauthorized (401), forbidden (403), not_found (404), too_large (413),
too_many (429 + Retry-After: a rate limit), busy (503 + Retry-After: the turn pool is full or the
database is away for now), internal (500: a generic message; the details go to the log only).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ui.pool import Busy
from whythis.errors import DataError, InputRejected, SessionNotFound, StoreUnavailable, WhythisError

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Something went wrong on our side. Please try again."
STORE_AWAY_MESSAGE = "The shop's chat is briefly unavailable. Please try again in a few seconds."
STORE_RETRY_AFTER = "5"
_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 413: "too_large"}
_CODES |= {422: "bad_request", 429: "too_many", 503: "busy"}


class ApiError(WhythisError):
    """An error with its HTTP status and stable code; the message is shown to the client as it is."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.headers = dict(headers or {})
        super().__init__(message)


def unauthorized(message: str, scheme: str = "Bearer") -> ApiError:
    """401: no or a malformed credential."""
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": scheme})


def forbidden(message: str) -> ApiError:
    """403: a credential for something else."""
    return ApiError(403, "forbidden", message)


def too_large(message: str) -> ApiError:
    """413: a body or message over the limit."""
    return ApiError(413, "too_large", message)


def bad_request(message: str) -> ApiError:
    """422: a well-formed request asking for something that cannot be."""
    return ApiError(422, "bad_request", message)


def error_body(code: str, message: str) -> dict[str, Any]:
    """The JSON error shape."""
    return {"error": {"code": code, "message": message}}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A JSON error response."""
    return JSONResponse(error_body(code, message), status_code=status, headers=dict(headers or {}))


def describe_validation(exc: RequestValidationError) -> tuple[int, str]:
    """The status (400 for unparseable JSON, else 422) and one line per problem, without echoing input."""
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return 400, "the body is not valid JSON"
    lines = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "body"
        lines.append(f"{where}: {err.get('msg', 'invalid')}")
    return 422, "; ".join(lines) or "the request is invalid"


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, str(exc), exc.headers)


async def _busy(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Busy)
    return error_response(503, "busy", str(exc), {"Retry-After": str(exc.retry_after)})


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    status, message = describe_validation(exc)
    return error_response(status, "bad_request", message)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _CODES.get(status, "internal" if status >= 500 else "bad_request")
    message = str(exc.detail) if status < 500 and isinstance(exc.detail, str) else INTERNAL_MESSAGE
    return error_response(status, code, message, exc.headers)


async def _whythis(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, SessionNotFound):
        return error_response(404, "not_found", str(exc))
    if isinstance(exc, DataError | InputRejected):
        return error_response(422, "bad_request", str(exc))
    if isinstance(exc, StoreUnavailable):
        log.warning("request %s %s: %s", request.method, request.url.path, exc)
        return error_response(503, "busy", STORE_AWAY_MESSAGE, {"Retry-After": STORE_RETRY_AFTER})
    log.error("request %s %s failed: %s", request.method, request.url.path, exc)
    return error_response(500, "internal", INTERNAL_MESSAGE)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("request %s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", INTERNAL_MESSAGE)


def install_error_handlers(app: FastAPI) -> None:
    """Map our errors, validation errors and HTTP errors to the JSON error shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(Busy, _busy)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(WhythisError, _whythis)
    app.add_exception_handler(Exception, _unexpected)
