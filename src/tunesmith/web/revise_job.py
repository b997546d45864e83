"""The worker's side of a revision (POST /pieces/{id}/revise and /edit): replay the parent version,
revise it, write the child's files and record it as a child version.

It sits below both the revise router (which checks a request with :func:`piece_data`) and the job
queue (which runs :func:`run_revise_job` for jobs of kind 'revise'), so neither imports the other.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.errors import ControlError, InputFileError
from tunesmith.store import jobs as job_store
from tunesmith.store.models import Piece, PieceVersion
from tunesmith.store.pieces import add_piece, content_hash
from tunesmith.web.service import KINDS

if TYPE_CHECKING:
    from tunesmith.cocreate import Step
    from tunesmith.web.context import Context

SPLICE = True
"""Re-render only the changed bars into the parent's audio when it can (tunesmith.cocreate.splice);
the benchmark switches it off for its baseline."""


def piece_data(piece: Piece) -> dict[str, Any]:
    """The compose/revise JSON of a generated piece, rebuilt from what the store recorded."""
    controls = piece.controls or {}
    if piece.source != "generated" or "request" not in controls:
        raise ControlError("piece", "only pieces tunesmith composed (or revised) can be revised")
    return {
        "tunesmith_piece": 1,
        "request": controls["request"],
        "model_versions": controls.get("model_versions", {}),
        "candidate": int(controls.get("rank", 1)) - 1
        if "revisions" not in controls
        else controls.get("candidate", 0),
        "revisions": controls.get("revisions", []),
    }


def run_revise_job(ctx: Context, job: Any, attempt: int, out: Path, progress: Any) -> None:
    """Run a job of kind 'revise' into the attempt's folder ``out``: the child version's piece and
    the job's 'done' commit together."""
    parent_id = int(job.request["piece_id"])
    with ctx.store.session() as s:
        piece = s.get(Piece, parent_id)
        if piece is None:
            raise ControlError("piece", f"piece {parent_id} is gone")
        data, expected = piece_data(piece), piece.content_hash
        parent_audio = ctx.files.stored(piece, "wav") if SPLICE else None
    from tunesmith.cocreate import Step  # torch and scipy: they load with the first revise job

    step = Step.from_dict(job.request["step"])

    def finish(session: Any, result: dict[str, Any]) -> None:
        job_store.complete(session, job.id, attempt, [result])

    _revise(ctx, job.owner_id, parent_id, data, expected, step, list(job.outputs), out, progress, finish,
            parent_audio)  # fmt: skip


def _revise(  # noqa: PLR0917 (one call site)
    ctx: Context,
    owner_id: int,
    parent_id: int,
    data: dict[str, Any],
    expected: str,
    step: Step,
    outputs: list[str],
    out: Path,
    progress: Any,
    finish: Any,
    parent_audio: Path | None = None,
) -> dict[str, Any]:
    from tunesmith.cocreate import load_version, revise
    from tunesmith.cocreate.splice import write_version_files
    from tunesmith.feedback.features import FEATURES_VERSION, piece_features

    progress("replaying the piece", 0.05)
    source = f"piece {parent_id}"
    parent = load_version(data, source)
    if content_hash(parent.score) != expected:
        raise InputFileError(source, "does not regenerate note for note here (made by another tunesmith "
                             "version or other model checkpoints)")  # fmt: skip
    progress("regenerating", 0.4)
    child = revise(parent, step)
    progress("writing files", 0.6)
    formats = sorted(set(outputs) | {"mid", "json"})
    paths = write_version_files(child, parent, formats, out, ctx.files.settings.soundfont, parent_audio,
                                f"piece {parent_id}")  # fmt: skip
    rel = {k: str(Path(p).resolve().relative_to(ctx.files.root)) for k, p in paths.items() if k in KINDS}
    steps = [s.to_dict() for s in child.steps]
    controls = {
        "request": child.request.to_dict(),
        "model_versions": child.model_versions,
        "candidate": data.get("candidate", 0),
        "revisions": steps,
        "web_files": rel,
        "parent_id": parent_id,
    }
    plan = child.plan
    tags = sorted(
        {plan.style.name, plan.key.name, str(plan.meter), f"model:{plan.model}", "generated", "revised"}
    )
    values = piece_features(child.score, controls)
    progress("recording the version", 0.95)
    with ctx.write_lock, ctx.store.session() as session:
        piece, created = add_piece(session, child.score, source="generated", tags=tags,
                                   title=f"{plan.title} (v{len(steps) + 1})", fmt=".mid",
                                   file_data=paths["mid"].read_bytes(), controls=controls)  # fmt: skip
        if created:
            piece.owner_id = owner_id
            piece.features = {
                "version": FEATURES_VERSION,
                "values": {k: (None if math.isnan(v) else v) for k, v in values.items()},
            }
            session.flush()
            session.add(PieceVersion(piece_id=piece.id, parent_id=parent_id, steps=steps))
        piece_id = piece.id
        result = {
            "piece_id": piece_id,
            "parent_id": parent_id,
            "revisions": steps,
            "files": {k: f"/api/pieces/{piece_id}/files/{k}" for k in rel},
        }
        finish(session, result)
    # No progress report after finish: the job is done then, and a heartbeat on a finished job
    # reads as "taken over", which removed the new version's files.
    return result
