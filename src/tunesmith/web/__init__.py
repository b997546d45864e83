"""The web app: a FastAPI REST API (OpenAPI at /openapi.json) and a plain HTML/JS page over it.

``create_app(settings)`` builds the app; ``tunesmith serve`` runs it with uvicorn.
"""

from __future__ import annotations

from tunesmith.web.app import create_app

__all__ = ["create_app"]
