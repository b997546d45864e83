"""The web app: a FastAPI REST API (OpenAPI at /openapi.json) and a plain HTML/JS page over it.

``create_app(settings)`` builds the app; ``tunesmith serve`` runs it with uvicorn. FastAPI is
imported only when ``create_app`` runs, so importing this package is instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tunesmith.web.settings import WebSettings


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The FastAPI app for ``settings`` (defaults: loopback, the default store, the data dir)."""
    from tunesmith.web.app import create_app as _create

    return _create(settings)


__all__ = ["create_app"]
