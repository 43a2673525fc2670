"""The FastAPI application: `create_app(settings)`."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontend.support_desk import api
from frontend.support_desk.flow.desk import Desk, new_request_id, utcnow
from frontend.support_desk.logs import request_id_var
from frontend.support_desk.metrics import DeskMetrics
from frontend.support_desk.settings import DeskSettings
from frontend.support_desk.store import demo
from frontend.support_desk.store.repository import Store
from frontend.support_desk.upstream.clients import UpstreamError, Upstreams
from frontend.support_desk.web import routes as web

log = logging.getLogger("support_desk.app")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
STATIC = Path(__file__).parent / "web" / "static"


class BodyLimit:
    """Answers 413 to a request body over `limit` bytes, before anything parses it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._reject(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        response = JSONResponse(
            {
                "detail": [
                    {
                        "loc": ["body"],
                        "msg": f"request body larger than {self.limit} bytes",
                        "type": "too_large",
                    }
                ]
            },
            status_code=413,
        )
        await response({"type": "http"}, _empty_receive, send)


class RequestIds:
    """The request's id (a valid `x-request-id` header, or a new one) in `request_id_var`
    while the request is handled, and in the response's `x-request-id` header. A plain
    ASGI middleware: the app runs in the request's own task, with no extra streams."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        text = given.decode("latin-1")
        request_id = text if _REQUEST_ID.match(text) else new_request_id()
        header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class _TooLarge(Exception):
    pass


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}


async def _warm_up(app: FastAPI, desk: Desk, languages: set[str]) -> None:
    """Translate once each way between the agents' language and each customer language,
    so that Apertium's pipelines are running before the first customer writes."""
    agent = desk.settings.agent_language
    pairs = sorted({(agent, lang) for lang in languages} | {(lang, agent) for lang in languages})
    deadline = time.monotonic() + 120.0

    async def one(source: str, target: str) -> None:
        with suppress(UpstreamError):
            await desk.upstreams.translate(
                ["Hello, thank you."], source, target, deadline, "warm-up"
            )

    await asyncio.gather(*(one(s, t) for s, t in pairs if s != t))
    app.state.warmed_up = True
    log.info("warm-up done", extra={"directions": len(pairs)})


def create_app(settings: DeskSettings | None = None) -> FastAPI:
    """The desk's app. Channels, store and clients open in its lifespan."""
    settings = settings or DeskSettings()
    store = Store(settings.database_url)
    metrics = DeskMetrics(store.intent_counts)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(store.create_schema)
        if settings.seed_demo and await asyncio.to_thread(store.is_empty):
            with store.session() as session:
                demo.seed(session, utcnow())
            log.info("demo data created", extra={"tenant": demo.TENANT})
        upstreams = Upstreams(settings, metrics)
        public = settings.public_url or ""
        desk = Desk(settings, store, upstreams, metrics, public)
        app.state.desk = desk
        app.state.warmed_up = not settings.warm_up
        warm = None
        if settings.warm_up:
            languages = {c.language for c in await asyncio.to_thread(store.customers)}
            warm = asyncio.create_task(_warm_up(app, desk, languages))
        try:
            yield
        finally:
            if warm is not None:
                warm.cancel()
                with suppress(asyncio.CancelledError):
                    await warm
            await upstreams.close()
            store.close()

    app = FastAPI(
        title="Support desk",
        version="1",
        summary="The reference channel frontend: web chat, e-mail webhook, agent console, "
        "JSON API over the returns_decision, triage and translation services.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.metrics = metrics

    app.add_middleware(RequestIds)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(api.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def state(app: Any) -> Any:
    return app.state
