"""A user's own library: upload MIDI, MusicXML or ABC (checked by content), list, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Response, UploadFile
from sqlalchemy import select

from tunesmith.errors import NotFoundError, UnsupportedFormatError
from tunesmith.store.models import Piece, User
from tunesmith.web.context import Context, Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.schemas import PieceId, PieceOut
from tunesmith.web.views import piece_out

router = APIRouter(prefix="/api", tags=["uploads"])


@router.post(
    "/uploads", response_model=list[PieceOut], status_code=201, responses=errors(401, 409, 413, 415, 422)
)
async def upload(
    user: Me, ctx: Ctx, file: Annotated[UploadFile, File()], tags: Annotated[str, Form(max_length=500)] = ""
) -> list[PieceOut]:
    """Add MIDI, MusicXML or ABC to your library (type checked by content; size-limited)."""
    limit = ctx.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"file: larger than {limit} bytes; allowed: up to {limit // 1024} KiB")
    if not data.strip():
        raise UnsupportedFormatError("upload", "the file is empty")
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_store_upload, ctx, data, tags, user)


def _store_upload(ctx: Context, data: bytes, tag_text: str, user: User) -> list[PieceOut]:
    from tunesmith.io import loads
    from tunesmith.io.midi import score_to_midi_bytes
    from tunesmith.store.pieces import add_piece, content_hash, find_by_hash
    from tunesmith.web.uploads import sniff

    suffix = sniff(data)
    scores = loads(data, suffix, "upload")[:50]
    clean_tags = [t for t in (p.strip() for p in tag_text.split(",")) if t][:10]
    out = []
    with ctx.write_lock, ctx.store.session() as s:
        for score in scores:
            existing = find_by_hash(s, content_hash(score))
            if existing is not None and existing.owner_id not in (None, user.id):
                raise HTTPException(409, "upload: this music is already someone else's upload")
            piece, created = add_piece(
                s,
                score,
                source="library",
                tags=["upload", *clean_tags],
                fmt=suffix,
                file_data=data if len(scores) == 1 else None,
            )
            if created:
                piece.owner_id = user.id
                if len(scores) > 1:  # one tune of many: keep it as MIDI of its own
                    piece.file_data, piece.format = score_to_midi_bytes(score), ".mid"
            out.append(piece)
        s.flush()
        return [piece_out(s, p, user) for p in out]


@router.get("/uploads", response_model=list[PieceOut], responses=errors(401))
def my_uploads(user: Me, ctx: Ctx) -> list[PieceOut]:
    with ctx.store.session() as s:
        rows = s.scalars(
            select(Piece)
            .where(Piece.owner_id == user.id, Piece.source == "library")
            .order_by(Piece.id.desc())
        )
        return [piece_out(s, p, user) for p in rows]


@router.delete("/uploads/{piece_id}", status_code=204, responses=errors(401, 404, 422))
def delete_upload(piece_id: PieceId, user: Me, ctx: Ctx) -> Response:
    with ctx.write_lock, ctx.store.session() as s:
        piece = s.get(Piece, piece_id)
        if piece is None or piece.owner_id != user.id or piece.source != "library":
            raise NotFoundError(f"piece {piece_id} is not one of your uploads")
        s.delete(piece)
    return Response(status_code=204)
