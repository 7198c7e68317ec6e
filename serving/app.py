"""The application: the API, the dashboard, the OpenAPI document and its page, static files."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving import api, dashboard, errors
from serving.health import Health
from serving.queries import Catalog
from serving.reader import NotPublished, Reader, open_reader
from serving.security import Guard
from serving.settings import Settings

HERE = Path(__file__).resolve().parent
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

DESCRIPTION = """Stock, alerts, replenishment and sync status of Ozon and Wildberries sellers.

Authentication: send an API key (`make api-key NAME=...`) in `X-API-Key` (or `Authorization: Bearer`).
Rate limit: SERVE_RATE_LIMIT requests a minute per key (default 120); over it, 429 with `Retry-After`.
Lists: `limit` (at most 1000) and `cursor` (`next_cursor` of the page before); `sort` by any column of
the answer (`-column` descending); `totals` count (and sum) every matching row, per `location_level`
(`by_location_level`) on the lists of warehouse and cluster rows and per `scope_level` (`by_scope_level`) on
ABC/XYZ and localisation, unless one level is asked for. CSV: `?format=csv` or
`Accept: text/csv`. Every answer has an `ETag` (304 on `If-None-Match`) and the data's as-of time
(`as_of` in the body, `X-Data-As-Of`). Every error is
`{"error": {"status", "code", "message", "fields": [{"field", "message"}]}}`.
"""


class HeadAsGet:
    """HEAD answered as GET, without its body (uptime monitors ask HEAD): FastAPI's routes take only the
    methods they are declared with, so HEAD was a 405. The headers are GET's, Content-Length too. A 405 to
    another method says so: `Allow: GET, HEAD`."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def head_allowed(message: Message) -> None:
            """A 405's `Allow` names HEAD beside GET, as this middleware answers it (OPTIONS said `GET`)."""
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = MutableHeaders(raw=list(message["headers"]))
                allowed = [method.strip() for method in headers.get("allow", "").split(",") if method.strip()]
                if "GET" in allowed and "HEAD" not in allowed:
                    headers["allow"] = ", ".join([*allowed, "HEAD"])
                    message = {**message, "headers": headers.raw}
            await send(message)

        if scope["method"] != "HEAD":
            await self.app(scope, receive, head_allowed)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await head_allowed(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


async def on_not_published(_request: Request, exc: NotPublished) -> Response:
    return errors.error_response(503, str(exc))


def for_browsers(handler):
    """`handler`'s error as a page when a browser asks for a dashboard page, else its JSON."""

    async def handle(request: Request, exc: Exception) -> Response:
        response = await handler(request, exc)
        wants_page = "text/html" in request.headers.get("accept", "")
        if request.url.path.startswith("/api/") or not wants_page:
            return response
        headers = {name: value for name, value in response.headers.items() if name == "retry-after"}
        return dashboard.error_page(request, json.loads(response.body)["error"], headers)

    return handle


def create_app(settings: Settings, reader: Reader | None = None) -> FastAPI:
    app = FastAPI(
        title="Marketplace stock API",
        version="1",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        exception_handlers={
            kind: for_browsers(handler) for kind, handler in {**errors.HANDLERS, NotPublished: on_not_published}.items()
        },
    )
    app.state.settings = settings
    app.state.reader = reader or open_reader(settings.target, settings.pool_size)
    app.state.catalog = Catalog(app.state.reader)
    app.state.health = Health(app.state.reader)
    app.state.guard = Guard(settings)
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    app.add_middleware(HeadAsGet)  # outside gzip: HEAD's headers are those of GET's compressed answer
    app.include_router(api.health_router)
    app.include_router(api.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/static-vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        """plotly.js from the installed plotly package: the charts work offline."""
        return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        return dashboard.render(request, "docs.html", {"openapi": app.openapi()}, signed_in=None)

    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.reader.close()
