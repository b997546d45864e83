"""The FastAPI app: REST API under /api (OpenAPI at /openapi.json) and the page at /.

The routes live in web/routes/, one router per area, each taking the Context and the signed-in
user as dependencies (web/context.py); errors become JSON bodies in web/errors.py. Writes to the
store go through one lock, so SQLite (WAL, busy timeout) never sees two writers.
"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

import tunesmith
from tunesmith.compose.styles import available_styles
from tunesmith.web.context import Context
from tunesmith.web.errors import install_error_handlers
from tunesmith.web.guard import GuardMiddleware
from tunesmith.web.openapi import install_openapi
from tunesmith.web.routes import (
    accounts,
    compose,
    education,
    originality,
    pieces,
    ratings,
    recommendations,
    revise,
    score,
    therapy,
    uploads,
)
from tunesmith.web.settings import WebSettings

STATIC = Path(__file__).resolve().parent / "static"
ROUTERS = (
    accounts.router,
    compose.router,
    pieces.router,
    ratings.router,
    uploads.router,
    recommendations.router,
    education.router,
    therapy.router,
    score.router,
    revise.router,
    originality.router,
)


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    ctx = Context(settings)
    app = FastAPI(
        title="tunesmith",
        description="Compose, play, rate and discover music. Compose runs as a job: POST /api/compose, "
        "then poll GET /api/jobs/{id}.",
        version=_version(),
        # FastAPI's docs pages load their scripts from a CDN; web/openapi.py serves Swagger UI from
        # the pinned swagger-ui-bundle-v2 package instead (/docs).
        docs_url=None,
        redoc_url=None,
    )
    install_openapi(app, lambda: available_styles(settings.extra_styles_path))
    app.state.ctx = ctx
    threading.Thread(target=ctx.register_corpus, name="corpus-register", daemon=True).start()
    install_error_handlers(app)
    app.add_middleware(GuardMiddleware, settings=settings)  # body-size limit, security headers
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _version() -> str:
    return str(getattr(tunesmith, "__version__", "0"))
