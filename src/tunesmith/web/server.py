"""Running the app under uvicorn with a clean stop: SIGTERM (or Ctrl-C) kills the conversions in
flight at once, so their requests end with a clear 503 and the server exits within seconds instead
of waiting for a minute-long drawing or rendering to finish."""

from __future__ import annotations

from types import FrameType
from typing import Any

import uvicorn

from tunesmith.web import sandbox

GRACE_SECONDS = 5
"""How long open requests get to finish after SIGTERM before they are cancelled."""


class Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        sandbox.stop_all()
        super().handle_exit(sig, frame)


def run(app: Any, host: str, port: int, **options: Any) -> None:
    options = {"log_level": "warning", **options}
    config = uvicorn.Config(app, host=host, port=port, timeout_graceful_shutdown=GRACE_SECONDS, **options)
    Server(config).run()
