"""The one FastAPI app of `whythis serve`: shopper API, staff API, widget files, demo shop, staff UIs.

Requests to the APIs pass three guards, outermost first: an origin check (a browser request from an
origin that is neither ours nor a configured shop is refused with 403), CORS for the configured shop
origins, and a body-size limit (413).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.api import router, staff_router
from ui.api_explain import explain_router
from ui.errors_http import ApiError, error_body, install_error_handlers
from ui.rate_limits import RateLimiter
from ui.serve_config import ServeConfig
from ui.services import Services

if TYPE_CHECKING:
    import gradio as gr

STATIC_DIR = Path(__file__).resolve().parent / "static"
GUARDED = ("/api/", "/staff/")


def _version() -> str:
    try:
        return version("whythis")
    except PackageNotFoundError:
        return "0"


def build_app(
    services: Services, config: ServeConfig, staff_uis: Mapping[str, gr.Blocks] | None = None
) -> FastAPI:
    """The app: routes, guards, widget files, the demo shop page and the staff UIs (mounted at their keys)."""
    app = FastAPI(
        title="whythis",
        version=_version(),
        description="Shopper chat API (SSE) and staff API of a whythis explanation agent.",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(staff_router)
    app.include_router(explain_router)
    app.mount("/widget", _Static(directory=STATIC_DIR), name="widget")
    app.add_api_route("/shop", _shop_page, methods=["GET"], include_in_schema=False)
    # The last added is the outermost: the origin check, then CORS, then the body limit.
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(config.cors_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    app.add_middleware(OriginGuard, allowed=tuple(config.cors_origins))
    if staff_uis:
        import gradio as gr

        for path, blocks in staff_uis.items():
            gr.mount_gradio_app(app, blocks, path, auth=services.auth.check, ssr_mode=False)
        logins = frozenset(f"{path.rstrip('/')}/login" for path in staff_uis)
        app.add_middleware(LoginLimit, limiter=services.limiter, paths=logins)
    return app


class _Static(StaticFiles):
    """Static files whose folder may appear after start: a missing folder is a 404, not a crash."""

    async def check_config(self) -> None:
        return None


async def _shop_page() -> FileResponse:
    page = STATIC_DIR / "shop.html"
    if not page.is_file():
        raise HTTPException(404, "the demo shop page is not installed")
    return FileResponse(page, media_type="text/html")


async def _send_error(
    send: Send, status: int, code: str, message: str, extra: Mapping[str, str] | None = None
) -> None:
    body = json.dumps(error_body(code, message)).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _guarded(scope: Scope) -> bool:
    return scope["type"] == "http" and str(scope["path"]).startswith(GUARDED)


class BodyLimit:
    """Refuses API request bodies over `max_bytes` with 413, by Content-Length or as they stream in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _send_error(send, 413, "too_large", f"the body is over {self.max_bytes} bytes")
            return
        # Read the whole (small) body first, so a chunked body over the limit is refused the same way.
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = bool(message.get("more_body", False))
            if size > self.max_bytes:
                await _send_error(send, 413, "too_large", f"the body is over {self.max_bytes} bytes")
                return
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: disconnects still arrive

    return replay


class LoginLimit:
    """The failed-login limit on the staff UIs' login forms (the JSON API checks it in `require_staff`)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, paths: frozenset[str]) -> None:
        self.app = app
        self.limiter = limiter
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        try:
            self.limiter.check_login(client)
        except ApiError as refused:
            await _send_error(send, 429, refused.code, str(refused), refused.headers)
            return

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                self.limiter.login_failed(client)
            await send(message)

        await self.app(scope, receive, noting)


class OriginGuard:
    """Refuses API requests that a browser sends from an origin that is neither ours nor configured."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = frozenset(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _guarded(scope):
            headers = dict(scope["headers"])
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if origin and origin not in self.allowed and not _same_host(origin, host):
                await _send_error(send, 403, "forbidden", f"origin {origin!r} may not call this API")
                return
        await self.app(scope, receive, send)


def _same_host(origin: str, host: str) -> bool:
    # The host alone: behind a TLS proxy the page is https while the request reaching us is http.
    return bool(host) and origin.partition("://")[2] == host
