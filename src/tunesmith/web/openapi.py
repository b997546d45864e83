"""The OpenAPI schema as the server really behaves, and the interactive docs served offline.

Every error is ``{"detail": str, "field": str | null}`` (web/errors.py), so each route lists the
statuses it can answer with that body (:func:`errors`); FastAPI's own 422 body (a list of
validation errors) is never sent and is removed from the schema. The sign-in cookie and the bearer
token are security schemes (web/context.py declares them as dependencies). Closed sets (styles,
moods, modes, meters, models, outputs, file kinds, sources) are enums and ranges are
minimum/maximum. tests/web/test_openapi.py provokes every documented status of every route.

The docs page at /docs is Swagger UI 5 from the pinned swagger-ui-bundle-v2 package, served by the app
itself: nothing is loaded from the internet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from tunesmith.web.schemas import ErrorBody

WHY = {
    401: "Not signed in, or the session expired (cookie or bearer token missing or wrong)",
    403: "Refused: password-less sign-in is only allowed when the server listens on loopback",
    404: "No such thing, or not yours to see",
    409: "Conflict: the same music is already someone else's upload",
    413: "The upload is larger than the server allows",
    415: "The upload is not MIDI, MusicXML or ABC (checked by content), or it is empty",
    422: "A control, parameter or body is invalid: `field` names it, `detail` says what is allowed",
    429: "Too many requests: wait and retry",
    503: "The compose queue is full: retry after the Retry-After header's seconds",
}
"""What each error status means on this server (the body is always ErrorBody)."""


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can answer with these error statuses."""
    return {code: {"model": ErrorBody, "description": WHY[code]} for code in statuses}


DOCS_ASSETS = "/docs/assets"
STATIC = Path(__file__).resolve().parent / "static"


def install_openapi(app: FastAPI, styles: Callable[[], list[str]]) -> None:
    """Give ``app`` the truthful schema (``styles()``: the style names this server accepts) and /docs."""

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _truthful(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                ),
                styles(),
            )
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]
    _install_docs(app)


def _truthful(schema: dict[str, Any], styles: list[str]) -> dict[str, Any]:
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if responses.get("422", {}).get("description") == "Validation Error":
                # FastAPI adds a 422 to every route with parameters; the routes list their own
                # where one can really happen (a path id that is not a number, a bad body).
                del responses["422"]
            for status, response in responses.items():
                content = response.get("content", {}).get("application/json")
                if status == "422" and content is not None:
                    content["schema"] = error_ref  # never FastAPI's HTTPValidationError list
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    body = components.get("ComposeBody", {}).get("properties", {})
    if "style" in body:
        body["style"]["enum"] = sorted(styles)
    return schema


def _install_docs(app: FastAPI) -> None:
    assets = Path(swagger_ui_bundle.swagger_ui_path)
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        # A static page and script (static/docs.html, docs.js): no inline script, so a strict
        # Content-Security-Policy (script-src 'self') still lets it run.
        return FileResponse(STATIC / "docs.html", media_type="text/html")
