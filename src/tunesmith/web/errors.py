"""How errors reach a client: one JSON body ``{"detail": ..., "field": ...}`` per kind of failure.

A bad control is 422 (ControlError and pydantic's own checks alike); unknown things are 404; a
missing or expired sign-in is 401; a full compose queue or a store failure 503; an upload of the
wrong kind 415. Every body has both keys (``field`` is null when no one input is to blame), as
web/schemas.ErrorBody documents.
"""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tunesmith.compose import request as r
from tunesmith.errors import (
    ControlError,
    InputFileError,
    NotFoundError,
    QuotaError,
    StoreError,
    TunesmithError,
    UnsupportedFormatError,
    WorkTimeoutError,
)
from tunesmith.web import auth
from tunesmith.web.jobs import QueueFullError
from tunesmith.web.ratelimit import RateLimitedError
from tunesmith.web.settings import ALL_OUTPUTS


def _allowed(field: str) -> str:
    """What a control allows, for pydantic's type errors (ComposeRequest says it for range errors)."""
    table = {
        "tempo": f"{r.TEMPO_RANGE[0]:g} to {r.TEMPO_RANGE[1]:g} bpm",
        "bars": f"a whole number {r.BARS_RANGE[0]}-{r.BARS_RANGE[1]}",
        "seconds": f"{r.SECONDS_RANGE[0]:g} to {r.SECONDS_RANGE[1]:g} seconds",
        "temperature": f"{r.TEMPERATURE_RANGE[0]:g} to {r.TEMPERATURE_RANGE[1]:g}",
        "candidates": f"a whole number {r.CANDIDATES_RANGE[0]}-{r.CANDIDATES_RANGE[1]}",
        "seed": f"a whole number 0-{r.MAX_SEED}",
        "valence": "-1.0 to 1.0",
        "arousal": "-1.0 to 1.0",
        "stars": "a whole number 1-5",
        "primer_piece": "the id of one of your uploads",
        "outputs": ", ".join(ALL_OUTPUTS),
        "style": "a style name listed by GET /api/config",
        "title": "up to 200 characters",
        "instruments": "up to 16 General MIDI instrument names",
    }
    return table.get(field, "see /openapi.json")


_PATH = re.compile(r"(?<![\w.])(?:~/|/(?!api/))(?:[^\s/'\":,;()]+/)+([^\s/'\":,;()]*)")


def public(message: str) -> str:
    """``message`` with every absolute path cut to its last part, so no error tells where the
    server keeps its files or where tunesmith is installed (the API's own URLs, /api/..., stay)."""
    return _PATH.sub(lambda m: m.group(1) or "(a folder)", message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ControlError)
    async def _control(_: Request, err: ControlError) -> JSONResponse:
        return JSONResponse({"detail": public(str(err)), "field": err.field}, status_code=422)

    @app.exception_handler(UnsupportedFormatError)
    async def _unsupported(_: Request, err: UnsupportedFormatError) -> JSONResponse:
        return JSONResponse({"detail": public(str(err)), "field": "file"}, status_code=415)

    @app.exception_handler(InputFileError)
    async def _input(_: Request, err: InputFileError) -> JSONResponse:
        return JSONResponse({"detail": public(str(err)), "field": "file"}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def _missing(_: Request, err: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": public(str(err)), "field": None}, status_code=404)

    @app.exception_handler(QuotaError)
    async def _quota(_: Request, err: QuotaError) -> JSONResponse:
        return JSONResponse(
            {"detail": public(str(err)), "field": None}, status_code=429, headers={"Retry-After": "30"}
        )

    @app.exception_handler(RateLimitedError)
    async def _limited(_: Request, err: RateLimitedError) -> JSONResponse:
        return JSONResponse(
            {"detail": str(err), "field": None},
            status_code=429,
            headers={"Retry-After": str(err.retry_after)},
        )

    @app.exception_handler(WorkTimeoutError)
    async def _timeout(_: Request, err: WorkTimeoutError) -> JSONResponse:
        return JSONResponse({"detail": public(str(err)), "field": None}, status_code=503)

    @app.exception_handler(StoreError)
    async def _store(_: Request, err: StoreError) -> JSONResponse:
        return JSONResponse({"detail": public(str(err)), "field": None}, status_code=503)

    @app.exception_handler(TunesmithError)
    async def _other(_: Request, err: TunesmithError) -> JSONResponse:
        return JSONResponse({"detail": public(str(err)), "field": None}, status_code=400)

    @app.exception_handler(auth.AuthError)
    async def _auth(_: Request, err: auth.AuthError) -> JSONResponse:
        return JSONResponse({"detail": public(str(err)), "field": None}, status_code=401)

    @app.exception_handler(QueueFullError)
    async def _full(_: Request, err: QueueFullError) -> JSONResponse:
        return JSONResponse(
            {"detail": public(str(err)), "field": None}, status_code=503, headers={"Retry-After": "5"}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, err: StarletteHTTPException) -> JSONResponse:
        # HTTPException from routes (403, 409, 413) and Starlette's own 404/405: the same body.
        field = getattr(err, "field", None)
        return JSONResponse(
            {"detail": public(str(err.detail)), "field": field},
            status_code=err.status_code,
            headers=err.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        first = err.errors()[0] if err.errors() else {"loc": ("body",), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "form")]
        field = loc[0] if loc else "request"
        message = f"{'.'.join(loc) or field}: {first.get('msg', 'invalid')}; allowed: {_allowed(field)}"
        return JSONResponse({"detail": message, "field": field}, status_code=422)
