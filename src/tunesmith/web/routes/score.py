"""The engraved score of a piece: SVG pages drawn server-side by Verovio from its MusicXML.

GET /api/pieces/{id}/score says how many pages there are (engraving them on first request and
keeping them next to the piece's files); GET /api/pieces/{id}/score/{page} is one page as SVG
(shown in an <img>, so nothing in it runs on the page). Size, page and time limits are those of
tunesmith.render.score_svg.
"""

from __future__ import annotations

import json
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from tunesmith.errors import NotFoundError
from tunesmith.fileutil import write_text_atomic
from tunesmith.render.score_svg import MAX_PAGES, score_pages
from tunesmith.store.models import Piece
from tunesmith.web.context import Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import PieceId
from tunesmith.web.views import visible

router = APIRouter(prefix="/api", tags=["score"])
_locks: dict[int, threading.Lock] = {}
_guard = threading.Lock()


def _pages(piece_id: int, user: Any, ctx: Any) -> dict[str, Any]:
    with ctx.store.session() as s:
        piece = visible(s.get(Piece, piece_id), user)
        s.expunge(piece)
    musicxml = ctx.files.path(piece, "musicxml")
    cache = musicxml.with_name(musicxml.stem + ".score.json")
    with _guard:
        lock = _locks.setdefault(piece_id, threading.Lock())
    with lock:
        if cache.is_file() and cache.stat().st_mtime >= musicxml.stat().st_mtime:
            data: dict[str, Any] = json.loads(cache.read_text(encoding="utf-8"))
            return data
        pages, total = score_pages(musicxml)
        data = {"pages": pages, "total": total}
        write_text_atomic(cache, json.dumps(data))
        return data


@router.get("/pieces/{piece_id}/score", responses=errors(401, 404, 422))
def score_info(piece_id: PieceId, user: Me, ctx: Ctx) -> dict[str, int]:
    """How many engraved pages the piece has (at most MAX_PAGES are drawn) and in all."""
    data = _pages(piece_id, user, ctx)
    return {"pages": len(data["pages"]), "total_pages": int(data["total"]), "max_pages": MAX_PAGES}


@router.get(
    "/pieces/{piece_id}/score/{page}",
    responses={
        200: {
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
            "description": "one engraved page",
        },
        **errors(401, 404, 422),
    },
    response_class=Response,
)
def score_page(
    piece_id: PieceId, page: Annotated[int, Path(ge=1, le=MAX_PAGES)], user: Me, ctx: Ctx
) -> Response:
    """Page ``page`` (1 = the first) of the engraved score, as SVG."""
    pages = _pages(piece_id, user, ctx)["pages"]
    if page > len(pages):
        raise NotFoundError(f"the score has {len(pages)} page(s); no page {page}")
    return Response(
        pages[page - 1],
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
