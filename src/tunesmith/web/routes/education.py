"""Exercise sheets: make an exercise at the learner's level, hear and see it, answer, get graded.

Exercises live in the files folder under the user's id; answer keys are served only after the
learner has answered. Progress is kept per user and picks the next level.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from tunesmith.education.levels import LEVELS
from tunesmith.errors import ControlError, NotFoundError
from tunesmith.fileutil import write_text_atomic
from tunesmith.store.models import User
from tunesmith.web.context import Context, Ctx, Me
from tunesmith.web.openapi import errors

router = APIRouter(prefix="/api", tags=["education"])
_ID = re.compile(r"^[0-9a-f]{12}$")
FILES = {
    "audio": ("exercise.wav", "audio/wav"),
    "score": ("exercise.musicxml", "application/vnd.recordare.musicxml+xml"),
    "answer": ("answer.musicxml", "application/vnd.recordare.musicxml+xml"),
    "answer_audio": ("answer.wav", "audio/wav"),
    "answer_text": ("answer.txt", "text/plain"),
}
ANSWER_FILES = ("answer", "answer_audio", "answer_text")


class ExerciseBody(BaseModel):
    kind: str = Field(
        description="sight-reading, melodic-dictation, rhythmic-dictation, intervals, chords, harmonisation"
    )
    level: int | None = Field(None, ge=1, le=5, description="1-5; default: the level your results reach")
    key: str | None = Field(None, max_length=20)
    style: str | None = Field(None, max_length=20)
    seed: int | None = Field(None, ge=0, le=2**31 - 1)
    questions: int = Field(10, ge=1, le=30)


def _folder(ctx: Context, user: User, exercise_id: str) -> Path:
    if not _ID.match(exercise_id):
        raise NotFoundError(f"no exercise {exercise_id[:20]!r}")
    folder = ctx.files.root / "exercises" / str(int(user.id)) / exercise_id
    if not (folder / "exercise.json").is_file():
        raise NotFoundError(f"no exercise {exercise_id!r}")
    return folder


def _public(manifest: dict[str, Any], answered: bool) -> dict[str, Any]:
    """What the learner may see: everything but the answer until they have answered."""
    out = {k: v for k, v in manifest.items() if k not in ("answer", "given") or answered}
    if manifest["kind"] in ("intervals", "chords"):
        out["questions"] = manifest["given"]["count"]
    base = f"/api/exercises/{manifest['id']}/files"
    out["files"] = {
        k: f"{base}/{k}"
        for k in ("audio", "score")
        if k != "score" or manifest["kind"] not in ("intervals", "chords")
    }
    if answered:
        out["files"].update({k: f"{base}/{k}" for k in ANSWER_FILES})
    return out


@router.post("/exercises", status_code=201, responses=errors(401, 422))
def new_exercise(body: ExerciseBody, user: Me, ctx: Ctx) -> dict[str, Any]:
    """Make an exercise (with audio) at the given level, or at the level your results reach."""
    from tunesmith.education.exercises import make_exercise, write_exercise
    from tunesmith.education.progress import next_level

    level = body.level
    if level is None:
        with ctx.store.session() as s:
            level = next_level(s, user.id, body.kind) if body.kind else 1
    seed = body.seed if body.seed is not None else random.randrange(1 << 31)
    ex = make_exercise(body.kind, level, seed, key=body.key, style=body.style, questions=body.questions)
    folder = ctx.files.root / "exercises" / str(int(user.id)) / ex.id
    if not (folder / "exercise.json").is_file():
        write_exercise(ex, folder, pdf=False)
    return _public(ex.manifest, answered=False)


@router.get(
    "/exercises/{exercise_id}/files/{name}",
    response_class=FileResponse,
    responses={
        200: {"content": {m: {"schema": {"type": "string", "format": "binary"}} for _, m in FILES.values()}},
        **errors(401, 403, 404),
    },
)
def exercise_file(exercise_id: str, name: str, user: Me, ctx: Ctx) -> FileResponse:
    """The exercise's audio or score; answer files once you have answered."""
    folder = _folder(ctx, user, exercise_id)
    if name not in FILES:
        raise NotFoundError(f"no file {name[:20]!r}; allowed: {', '.join(FILES)}")
    if name in ANSWER_FILES and not (folder / "answered").is_file():
        raise HTTPException(403, "answer first: the answer key opens once you have handed in an answer")
    filename, media = FILES[name]
    path = folder / filename
    if not path.is_file():
        raise NotFoundError(f"this exercise has no {name}")
    return FileResponse(path, media_type=media, filename=f"{exercise_id}-{filename}")


@router.post("/exercises/{exercise_id}/answer", responses=errors(401, 404, 413, 415, 422))
async def answer(
    exercise_id: str,
    user: Me,
    ctx: Ctx,
    file: Annotated[UploadFile | None, File(description="MusicXML, MIDI or ABC")] = None,
    text: Annotated[str | None, Form(max_length=20_000, description="notes or quiz answers")] = None,
) -> dict[str, Any]:
    """Hand in an answer (a file, or text such as 'C4/4 D4/8' or one quiz answer per line)."""
    from starlette.concurrency import run_in_threadpool

    if (file is None) == (text is None):
        raise ControlError("answer", "send either a file or text")
    if file is not None:
        limit = ctx.settings.max_answer_bytes
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise HTTPException(413, f"answer: larger than {limit // 1000} kB")
        name = "answer.upload"
    else:
        data, name = (text or "").encode(), "answer.txt"
    return await run_in_threadpool(_grade, ctx, user, exercise_id, data, name)


def _grade(ctx: Context, user: User, exercise_id: str, data: bytes, name: str) -> dict[str, Any]:
    from tunesmith.education.exercises import read_manifest
    from tunesmith.education.grading import grade
    from tunesmith.education.progress import next_level, record

    folder = _folder(ctx, user, exercise_id)
    manifest = read_manifest(folder)
    result = grade(manifest, data, name)
    with ctx.write_lock, ctx.store.session() as s:
        record(s, user.id, result)
        upcoming = next_level(s, user.id, result.kind)
    write_text_atomic(folder / "answered", "1\n")
    return {**result.to_dict(), "next_level": upcoming, "exercise": _public(manifest, answered=True)}


@router.get("/progress", responses=errors(401))
def progress(user: Me, ctx: Ctx) -> dict[str, Any]:
    """Your results per kind of exercise and the level each goes on at."""
    from tunesmith.education.progress import summary

    with ctx.store.session() as s:
        return {"levels": list(LEVELS), "kinds": summary(s, user.id)}
