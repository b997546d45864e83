"""Originality over HTTP: check an upload for similar works, identify an audio clip, show a generated
work's certificate and the registry's state. The page is static/originality.html."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from tunesmith.errors import UnsupportedFormatError
from tunesmith.store.models import Piece
from tunesmith.web.context import Context, Ctx, Me
from tunesmith.web.openapi import errors
from tunesmith.web.sandbox import run_limited
from tunesmith.web.schemas import PieceId
from tunesmith.web.service import parse_upload
from tunesmith.web.views import visible

router = APIRouter(prefix="/api/originality", tags=["originality"])


async def _read(file: UploadFile, limit: int) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"file: larger than {limit} bytes; allowed: up to {limit // 1024} KiB")
    if not data.strip():
        raise UnsupportedFormatError("upload", "the file is empty")
    return data


@router.post("/check", responses=errors(401, 413, 415, 422))
async def check_upload(
    _user: Me, ctx: Ctx, file: Annotated[UploadFile, File()], top: Annotated[int, Query(ge=1, le=20)] = 5
) -> dict[str, Any]:
    """The works most similar to an uploaded melody (MIDI, MusicXML or ABC), with aligned bars."""
    data = await _read(file, ctx.settings.max_upload_bytes)
    return await run_in_threadpool(_check, ctx, data, top)


def _check(ctx: Context, data: bytes, top: int) -> dict[str, Any]:
    from tunesmith.originality.works import check_score

    settings = ctx.settings  # read in a killable child, within the upload limits, as uploads are
    _, scores = run_limited(
        parse_upload,
        (data, settings.score_limits),
        seconds=settings.convert_seconds,
        memory_bytes=settings.convert_memory_bytes,
        what="upload: reading the file",
    )
    if not scores:
        raise UnsupportedFormatError("upload", "holds no piece")
    with ctx.write_lock:  # the store search may fill in missing melody fingerprints
        return check_score(scores[0], top=top, store=ctx.store)


@router.post("/identify", responses=errors(401, 413, 415, 422))
async def identify_upload(_user: Me, ctx: Ctx, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """The stored piece or recording an audio clip comes from, and the offset into it."""
    data = await _read(file, ctx.settings.max_audio_bytes)
    return await run_in_threadpool(_identify, ctx, data, Path(file.filename or "clip").suffix.lower())


def _identify(ctx: Context, data: bytes, suffix: str) -> dict[str, Any]:
    from tunesmith.originality.identify import identify_file

    allowed = (".wav", ".flac", ".mp3", ".ogg")
    if suffix not in allowed:
        raise UnsupportedFormatError(
            "upload", f"audio must be one of {', '.join(allowed)}, not {suffix or 'none'}"
        )
    with tempfile.TemporaryDirectory(prefix="tunesmith-clip-") as tmp:
        path = Path(tmp) / f"clip{suffix}"
        path.write_bytes(data)
        return {"match": identify_file(path, ctx.store)}


@router.get("/certificate/{piece_id}", responses=errors(401, 404, 422))
def piece_certificate(piece_id: PieceId, user: Me, ctx: Ctx) -> dict[str, Any]:
    """A generated work's registry certificate, with the proof of its place in the log."""
    from tunesmith.originality.registry import certificate, check_certificate

    with ctx.store.session() as s:
        visible(s.get(Piece, piece_id), user)
        cert = certificate(s, piece_id=piece_id)
    cert["check"] = {"problems": check_certificate(cert)}
    return cert


@router.get("/registry", responses=errors(401))
def registry_state(_user: Me, ctx: Ctx) -> dict[str, Any]:
    """Whether the registry log is intact, and its current tree head."""
    from tunesmith.originality.registry import verify_log

    with ctx.store.session() as s:
        return verify_log(s)
