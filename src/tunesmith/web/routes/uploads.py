"""A user's own library: upload MIDI, MusicXML or ABC (checked by content), list, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Response, UploadFile
from sqlalchemy import func, select

from tunesmith.errors import NotFoundError, QuotaError, UnsupportedFormatError
from tunesmith.io.midi import score_to_midi_bytes
from tunesmith.store.models import Piece, User
from tunesmith.store.pieces import add_piece, owned_content_key
from tunesmith.web.context import Context, Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.sandbox import run_limited
from tunesmith.web.schemas import PieceId, PieceOut
from tunesmith.web.service import parse_upload
from tunesmith.web.views import piece_out

router = APIRouter(prefix="/api", tags=["uploads"])


@router.post(
    "/uploads", response_model=list[PieceOut], status_code=201, responses=errors(401, 413, 415, 422, 429)
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
    settings = ctx.settings
    suffix, scores = run_limited(
        parse_upload,
        (data, settings.score_limits),
        seconds=settings.convert_seconds,
        memory_bytes=settings.convert_memory_bytes,
        what="upload: reading the file",
    )
    clean_tags = [t for t in (p.strip() for p in tag_text.split(",")) if t][:10]
    out = []
    with ctx.write_lock, ctx.store.session() as s:
        _check_quota(s, ctx, user, len(data))
        for score in scores:
            # The identity is (owner, music): the same music uploaded by someone else, or found
            # in the corpus, is a separate private piece of yours, so an upload never tells whether
            # someone else has it and never tags a piece others see.
            piece, created = add_piece(
                s,
                score,
                source="library",
                tags=["upload", *clean_tags],
                fmt=suffix,
                file_data=data if len(scores) == 1 else None,
                content_key=owned_content_key(score, user.id),
            )
            if created:
                piece.owner_id = user.id
                if len(scores) > 1:  # one tune of many: keep it as MIDI of its own
                    piece.file_data, piece.format = score_to_midi_bytes(score), ".mid"
            out.append(piece)
        s.flush()
        return [piece_out(s, p, user) for p in out]


def _check_quota(s: Any, ctx: Context, user: User, size: int) -> None:
    """Per-user quota of uploads kept: a count and a total size (HTTP 429 when used up)."""
    count, total = s.execute(
        select(func.count(Piece.id), func.coalesce(func.sum(func.length(Piece.file_data)), 0)).where(
            Piece.owner_id == user.id, Piece.source == "library"
        )
    ).one()
    settings = ctx.settings
    if count >= settings.max_uploads_per_user:
        raise QuotaError(
            f"upload: you keep {count} uploads; allowed: at most {settings.max_uploads_per_user} "
            "(delete some first)"
        )
    if total + size > settings.max_upload_total_bytes:
        raise QuotaError(
            f"upload: your uploads would take {(total + size) / 2**20:.1f} MiB; allowed: at most "
            f"{settings.max_upload_total_bytes / 2**20:g} MiB (delete some first)"
        )


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
