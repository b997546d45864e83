"""What the API does, apart from HTTP: composing a job's pieces, recording them, making files.

Every file the API serves lives under the app's files folder, at a path built here from a piece id
and a kind from a fixed list; a stored path is resolved and checked to be inside that folder before
it is opened. Nothing from a request names a file.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tunesmith.errors import ControlError, InputFileError, LimitError, NotFoundError, OutputError
from tunesmith.fileutil import write_bytes_atomic
from tunesmith.io import loads, save
from tunesmith.limits import check_score
from tunesmith.render.export import render_score, write_pianoroll
from tunesmith.store.db import Store
from tunesmith.store.models import Piece
from tunesmith.store.pieces import add_piece
from tunesmith.web.sandbox import run_limited
from tunesmith.web.settings import WebSettings
from tunesmith.web.uploads import sniff

KINDS = {
    "mid": ("audio/midi", ".mid"),
    "musicxml": ("application/vnd.recordare.musicxml+xml", ".musicxml"),
    "wav": ("audio/wav", ".wav"),
    "flac": ("audio/flac", ".flac"),
    "mp3": ("audio/mpeg", ".mp3"),
    "png": ("image/png", ".png"),
}


def inside(root: Path, path: Path) -> Path:
    """``path`` resolved, if it lies inside ``root``; NotFoundError otherwise."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise NotFoundError("file is outside the files folder")
    return resolved


class Files:
    """Files of pieces: written by compose jobs, or made on first request from the stored score."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.root = settings.resolved_files_dir()
        self._locks: dict[tuple[int, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, piece_id: int, kind: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault((piece_id, kind), threading.Lock())

    def stored(self, piece: Piece, kind: str) -> Path | None:
        """A file a compose job wrote for this piece, if it is still there."""
        files = (piece.controls or {}).get("web_files", {})
        rel = files.get(kind)
        if not isinstance(rel, str):
            return None
        path = inside(self.root, self.root / rel)
        return path if path.is_file() else None

    def path(self, piece: Piece, kind: str, gone: Callable[[], bool] | None = None) -> Path:
        """The file of ``kind`` for ``piece``, made now when no compose job wrote it.

        The piece must be within the score limits (and short enough for audio); the file is made
        in a child process that is killed after ``convert_seconds`` or as soon as ``gone()`` says
        the client left (tunesmith.web.sandbox)."""
        if kind not in KINDS:
            raise NotFoundError(f"no file kind {kind!r}; allowed: {', '.join(KINDS)}")
        found = self.stored(piece, kind)
        if found is not None:
            return found
        folder = self.root / "pieces" / str(int(piece.id))
        target = folder / f"piece{KINDS[kind][1]}"
        with self._lock(piece.id, kind):
            if target.is_file():
                return target
            folder.mkdir(parents=True, exist_ok=True)

            source = StoredMusic(int(piece.id), piece.file_data, piece.format, piece.corpus_ref)
            limits = (self.settings.score_limits, self.settings.max_render_seconds)
            run_limited(
                make_piece_file,
                (source, str(target), kind, self.settings.soundfont, limits),
                seconds=self.settings.convert_seconds,
                memory_bytes=self.settings.convert_memory_bytes,
                what=f"piece {piece.id}: making the {kind} file",
                gone=gone,
            )
        if not target.is_file():
            raise OutputError(f"piece {piece.id}: could not make the {kind} file")
        return target


def primer_file(store: Store, files: Files, piece_id: int, owner_id: int) -> Path:
    """The file of ``owner_id``'s upload ``piece_id`` for use as a primer, written under the files
    folder of this machine (a worker may run on another machine than the server that took the job)."""
    with store.session() as s:
        piece = s.get(Piece, piece_id)
        if piece is None or piece.owner_id != owner_id or not piece.file_data:
            raise ControlError(
                "primer_piece",
                f"{piece_id} is not one of your uploads; allowed: the id of one of your uploads",
            )
        folder = files.root / "primers" / str(int(piece.id))
        folder.mkdir(parents=True, exist_ok=True)
        suffix = piece.format if piece.format in (".mid", ".musicxml", ".abc") else ".mid"
        path = folder / f"primer{suffix}"
        if not path.is_file():
            write_bytes_atomic(path, piece.file_data)
        return path
@dataclass(frozen=True)
class StoredMusic:
    """What a sandbox child needs to read a stored piece again (an ORM row does not cross processes)."""

    piece_id: int
    file_data: bytes | None
    format: str | None
    corpus_ref: str | None


def check_piece(score: Any, piece_id: int, kind: str, limits: Any, longest: float) -> None:
    """LimitError when the piece is too big to convert, or too long to render as audio."""
    check_score(score, limits, f"piece {piece_id}")
    if kind in AUDIO_KINDS and score.duration_seconds() > longest:
        raise LimitError(
            f"piece {piece_id}",
            f"{score.duration_seconds() / 60:.1f} minutes is too long to render as {kind}; "
            f"allowed: at most {longest / 60:g} minutes (MIDI and MusicXML have no such limit)",
        )


def make_piece_file(
    source: StoredMusic, target: str, kind: str, soundfont: str | None, limits: tuple[Any, float]
) -> None:
    """Read a stored piece, check it against the limits, write it as ``kind`` (in a sandbox child:
    reading a file is work a file can make long, too)."""
    if source.file_data and source.format:
        score = loads(source.file_data, source.format, f"piece {source.piece_id}")[0]
    elif source.corpus_ref:
        from tunesmith.feedback.features import corpus_score

        found = corpus_score(source.corpus_ref)
        if found is None:
            raise NotFoundError(f"piece {source.piece_id} has no music that can be read")
        score = found
    else:
        raise NotFoundError(f"piece {source.piece_id} has no music that can be read")
    check_piece(score, source.piece_id, kind, *limits)
    make_file(score, target, kind, soundfont)


AUDIO_KINDS = ("wav", "flac", "mp3")
MAX_TITLE = 200
"""Longest title kept from an uploaded file (an ABC T: line may be megabytes long)."""


def make_file(score: Any, target: str, kind: str, soundfont: str | None) -> None:
    """Write ``score`` as ``kind`` to ``target`` (runs in a sandbox child process)."""
    if kind in ("mid", "musicxml"):
        save(score, target)
    elif kind == "png":
        write_pianoroll(score, target)
    else:
        render_score(score, target, formats=[kind], soundfont=soundfont)


def parse_upload(data: bytes, limits: Any) -> tuple[str, list[Any]]:
    """The format and the scores of uploaded bytes, each within ``limits`` and holding notes (runs
    in a sandbox child process: parsing is work a file can make long)."""
    suffix = sniff(data)
    scores = loads(data, suffix, "upload")[:50]
    total = sum(len(t.notes) for score in scores for t in score.tracks)
    if total > 5 * limits.max_notes:  # many tunes in one file, each within the limit
        raise LimitError(
            "upload", f"{total:,} notes in {len(scores)} tunes; allowed: at most {5 * limits.max_notes:,}"
        )
    for score in scores:
        check_score(score, limits, "upload")
        score.metadata.title = " ".join(score.metadata.title.split())[:MAX_TITLE]  # listed to its owner
        if not any(t.notes for t in score.tracks):
            raise InputFileError(
                "upload",
                "holds no notes (a file with only headers, or notes that never end: note-ons "
                "without note-offs); allowed: a file with at least one complete note",
            )
    return suffix, scores


def public_request(request: dict[str, Any], primer_piece: int | None) -> dict[str, Any]:
    """A compose request as a client may see it: the primer named by its piece id, no file paths."""
    out = {k: v for k, v in request.items() if k not in ("primer", "styles_path")}
    if primer_piece is not None or request.get("primer"):
        out["primer_piece"] = primer_piece
    return out


def compose_pieces(  # noqa: PLR0917 (one call site, every argument named there)
    store: Store,
    files: Files,
    owner_id: int,
    request: Any,
    outputs: list[str],
    out: Path,
    progress: Callable[[str, float], None],
    preference: Callable[[Any], float] | None,
    write_lock: threading.Lock,
    finish: Callable[[Session, list[dict[str, Any]]], None] | None = None,
    *,
    primer_piece: int | None = None,
) -> list[dict[str, Any]]:
    """Compose ``request``, write every candidate's files under ``out``, record each as a generated
    piece. The pieces are recorded in one transaction, in which ``finish(session, made)`` runs
    last (the job marks itself done there): pieces and 'done' commit together or not at all.

    A piece composed from ``primer_piece`` (one of the owner's private uploads) holds the primer's
    notes, so it is private like the upload; its controls name the primer by id, not by file."""
    from tunesmith.compose.api import compose
    from tunesmith.feedback.features import FEATURES_VERSION, piece_features
    from tunesmith.originality.registry import register_composition
    from tunesmith.render.piece import write_files

    composition = compose(request, lambda s, f: progress(s, 0.3 * f), preference)
    formats = sorted(set(outputs) | {"mid", "json"})
    ready = []
    registered: list[tuple[Any, dict[str, Path]]] = []
    count = len(composition.candidates)
    plan = composition.plan
    tags = [
        plan.style.name,
        plan.key.name,
        str(plan.meter),
        "minor" if plan.key.is_minor else "major",
        *plan.style.tags,
        f"model:{plan.model}",
        "generated",
    ]
    if plan.request.mood:
        tags.append(plan.request.mood)
    for i, cand in enumerate(composition.candidates):
        progress(f"files for candidate {i + 1}/{count}", 0.3 + 0.65 * i / count)
        single = replace(composition, score=cand.score, candidates=[cand])
        paths = write_files(
            single, out / f"c{i + 1}", formats=formats, soundfont=files.settings.soundfont, record=False
        )
        rel = {k: str(Path(p).resolve().relative_to(files.root)) for k, p in paths.items() if k in KINDS}
        controls: dict[str, Any] = {
            "request": public_request(composition.request.to_dict(), primer_piece),
            "model_versions": composition.model_versions,
            "web_files": rel,
            "rank": i + 1,
            "total": round(cand.total, 4),
            "components": {k: round(v, 4) for k, v in cand.components.items()},
            "summary": single.summary(),
        }
        values = piece_features(cand.score, controls)
        ready.append((cand, controls, values, paths["mid"].read_bytes()))
        registered.append((single, paths))
    progress("recording the pieces", 0.97)
    made = []
    with write_lock, store.session() as session:
        for i, (cand, controls, values, midi) in enumerate(ready):
            piece, created = add_piece(
                session,
                cand.score,
                source="generated",
                tags=sorted(set(tags)),
                title=f"{plan.title}" + (f" #{i + 1}" if count > 1 else ""),
                fmt=".mid",
                file_data=midi,
                controls=controls,
            )
            if created:
                piece.owner_id = owner_id
                piece.private = primer_piece is not None or None
                piece.features = {
                    "version": FEATURES_VERSION,
                    "values": {k: (None if math.isnan(v) else v) for k, v in values.items()},
                }
            session.flush()
            made.append(
                {
                    "piece_id": piece.id,
                    "rank": i + 1,
                    "total": controls["total"],
                    "components": controls["components"],
                    "summary": controls["summary"],
                    "files": {k: f"/api/pieces/{piece.id}/files/{k}" for k in controls["web_files"]},
                }
            )
        if finish is not None:
            finish(session, made)

    with write_lock:  # the registry is an append-only log: entries go in one at a time
        for (single, paths), entry in zip(registered, made, strict=True):
            register_composition(single, paths, entry["piece_id"], store)
    return made
