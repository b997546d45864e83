"""Search, read and download the pieces a user can see; tags."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy import func, select

from tunesmith.errors import ControlError, NotFoundError
from tunesmith.store.models import Piece, Tag
from tunesmith.web.context import Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import FILE_KINDS, Offset, PieceId, PieceList, PieceOut, TagCount
from tunesmith.web.service import KINDS
from tunesmith.web.views import piece_out, rating_facts, visible, visible_clause

router = APIRouter(prefix="/api", tags=["pieces"])
MAX_TAG_FILTERS = 10


@router.get("/pieces", response_model=PieceList, responses=errors(401, 422))
def list_pieces(  # noqa: PLR0917 (FastAPI query parameters)
    user: Me,
    ctx: Ctx,
    q: Annotated[str | None, Query(max_length=200, description="words in the title")] = None,
    tag: Annotated[list[str] | None, Query(description="only pieces with all these tags")] = None,
    source: Annotated[
        Literal["corpus", "library", "generated", "mine"] | None,
        Query(description="where pieces come from; mine: your uploads and compositions"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> PieceList:
    """Search and filter the pieces you can see: the corpus, generated pieces, your uploads."""
    if len(tag or []) > MAX_TAG_FILTERS or any(len(t) > 100 for t in tag or []):
        raise ControlError("tag", f"allowed: at most {MAX_TAG_FILTERS} tags of up to 100 characters")
    query = select(Piece).where(visible_clause(user))
    if source == "mine":
        query = query.where(Piece.owner_id == user.id)
    elif source:
        query = query.where(Piece.source == source)
    for word in (q or "").split():
        query = query.where(Piece.title.ilike(f"%{word.replace('%', '').replace('_', '')}%"))
    for t in tag or []:
        query = query.where(Piece.tags.any(Tag.name == t.strip().lower()))
    with ctx.store.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = s.scalars(query.order_by(Piece.id.desc()).offset(offset).limit(limit)).all()
        facts = rating_facts(s, [p.id for p in rows], user)
        return PieceList(total=total, pieces=[piece_out(s, p, user, facts=facts) for p in rows])


@router.get("/pieces/{piece_id}", response_model=PieceOut, responses=errors(401, 404, 422))
def get_piece(piece_id: PieceId, user: Me, ctx: Ctx) -> PieceOut:
    with ctx.store.session() as s:
        return piece_out(s, visible(s.get(Piece, piece_id), user), user, detail=True)


@router.get("/tags", response_model=list[TagCount], responses=errors(401))
def tags(user: Me, ctx: Ctx) -> list[dict[str, Any]]:
    """Tags of the pieces you can see (yours, the corpus, public generated pieces) with the number
    of those pieces carrying them, most used first; other users' uploads count for nothing."""
    with ctx.store.session() as s:
        rows = s.execute(
            select(Tag.name, func.count(Piece.id))
            .join(Tag.pieces)
            .where(visible_clause(user))
            .group_by(Tag.name)
            .order_by(func.count(Piece.id).desc(), Tag.name)
            .limit(200)
        )
        return [{"name": n, "count": c} for n, c in rows]


@router.get(
    "/pieces/{piece_id}/files/{kind}",
    response_class=FileResponse,
    responses={
        200: {"content": {v[0]: {"schema": {"type": "string", "format": "binary"}} for v in KINDS.values()}},
        **errors(401, 404, 422),
    },
)
def piece_file(
    piece_id: PieceId,
    kind: Annotated[
        str, Path(description="an unknown kind is 404", json_schema_extra={"enum": list(FILE_KINDS)})
    ],
    request: Request,
    user: Me,
    ctx: Ctx,
) -> FileResponse:
    """A piece's file: mid, musicxml, wav, flac, mp3 or png (made on first request if needed,
    within a time limit; the work stops if the client leaves)."""
    if kind not in KINDS:
        raise NotFoundError(f"no file kind {kind!r}; allowed: {', '.join(KINDS)}")
    with ctx.store.session() as s:
        piece = visible(s.get(Piece, piece_id), user)
        s.expunge(piece)

    def gone() -> bool:
        return bool(anyio.from_thread.run(request.is_disconnected))

    path = ctx.files.path(piece, kind, gone)
    return FileResponse(path, media_type=KINDS[kind][0], filename=f"piece-{piece_id}{KINDS[kind][1]}")
