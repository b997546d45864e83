"""ASGI middleware every request passes: the body-size limit and the security headers.

The body limit is enforced before the body is read: a Content-Length over the limit is answered
413 at once, and a body sent without one (chunked) is counted as it streams and cut off at the
limit, so a 300 MB upload costs the server at most the limit, never 300 MB. Uploads may be as
large as ``max_upload_bytes`` (plus room for the multipart framing); every other body
``max_body_bytes``.

The headers: a Content-Security-Policy allowing only this origin's own scripts, styles, images
and media (the page has no inline script or style), no framing (frame-ancestors and
X-Frame-Options), nosniff, no referrer.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException

from tunesmith.web.settings import WebSettings

Scope = dict[str, Any]
Message = dict[str, Any]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
MULTIPART_ROOM = 64 * 1024
"""Bytes of multipart framing and form fields allowed on top of the largest upload."""


class BodyTooLargeError(HTTPException):
    """Raised from ``receive`` mid-stream; an HTTPException so FastAPI's body parsing passes it on."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body: larger than {limit} bytes; allowed: up to {limit // 1024} KiB")
        self.limit = limit


def body_limit(settings: WebSettings, path: str) -> int:
    """The largest body ``path`` may be sent: a file upload's limit where a route takes a file."""
    p = path.rstrip("/")
    if p in ("/api/uploads", "/api/originality/check"):
        return settings.max_upload_bytes + MULTIPART_ROOM
    if p == "/api/originality/identify":
        return settings.max_audio_bytes + MULTIPART_ROOM
    if p.startswith("/api/exercises/") and p.endswith("/answer"):
        return settings.max_answer_bytes + MULTIPART_ROOM
    return settings.max_body_bytes


class GuardMiddleware:
    """Body-size limit and security headers around the whole app (a pure ASGI middleware, so it
    sees the body as it streams instead of after it was read)."""

    def __init__(self, app: Any, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(self.settings, scope.get("path", ""))
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        length = _content_length(scope)
        if length is not None and length > limit:
            await _refuse(send_with_headers, BodyTooLargeError(limit))
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message: Message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLargeError(limit)
            return message

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except BodyTooLargeError as err:
            if started:
                raise
            await _refuse(send_with_headers, err)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Any, err: BodyTooLargeError) -> None:
    body = json.dumps({"detail": err.detail, "field": "body"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
