"""What the API does, apart from HTTP: composing a job's pieces, recording them, making files.

Every file the API serves lives under the app's files folder, at a path built here from a piece id
and a kind from a fixed list; a stored path is resolved and checked to be inside that folder before
it is opened. Nothing from a request names a file.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from tunesmith.errors import NotFoundError, OutputError
from tunesmith.store.db import Store
from tunesmith.store.models import Piece
from tunesmith.web.settings import WebSettings

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

    def path(self, piece: Piece, kind: str) -> Path:
        """The file of ``kind`` for ``piece``, made now when no compose job wrote it."""
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
            from tunesmith.feedback.features import load_piece_score

            score = load_piece_score(piece)
            if score is None:
                raise NotFoundError(f"piece {piece.id} has no music that can be read")
            folder.mkdir(parents=True, exist_ok=True)
            if kind in ("mid", "musicxml"):
                from tunesmith.io import save

                save(score, target)
            elif kind == "png":
                from tunesmith.render.export import write_pianoroll

                write_pianoroll(score, target)
            else:
                from tunesmith.render.export import render_score

                render_score(score, target, formats=[kind], soundfont=self.settings.soundfont)
        if not target.is_file():
            raise OutputError(f"piece {piece.id}: could not make the {kind} file")
        return target


def compose_pieces(  # noqa: PLR0917 (one call site, every argument named there)
    store: Store,
    files: Files,
    owner_id: int,
    request: Any,
    outputs: list[str],
    job_id: str,
    progress: Callable[[str, float], None],
    preference: Callable[[Any], float] | None,
    write_lock: threading.Lock,
) -> list[dict[str, Any]]:
    """Compose ``request``, write every candidate's files, record each as a generated piece."""
    from tunesmith.compose.api import compose, write_files
    from tunesmith.feedback.features import FEATURES_VERSION, piece_features
    from tunesmith.originality.registry import register_composition
    from tunesmith.store.pieces import add_piece

    composition = compose(request, lambda s, f: progress(s, 0.3 * f), preference)
    formats = sorted(set(outputs) | {"mid", "json"})
    out = files.root / "generated" / job_id
    made = []
    count = len(composition.candidates)
    for i, cand in enumerate(composition.candidates):
        progress(f"files for candidate {i + 1}/{count}", 0.3 + 0.65 * i / count)
        single = replace(composition, score=cand.score, candidates=[cand])
        paths = write_files(
            single, out / f"c{i + 1}", formats=formats, soundfont=files.settings.soundfont, record=False
        )
        rel = {k: str(Path(p).resolve().relative_to(files.root)) for k, p in paths.items() if k in KINDS}
        summary = single.summary()
        controls = {
            "request": composition.request.to_dict(),
            "model_versions": composition.model_versions,
            "web_files": rel,
            "rank": i + 1,
            "total": round(cand.total, 4),
            "components": {k: round(v, 4) for k, v in cand.components.items()},
            "summary": summary,
        }
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
        values = piece_features(cand.score, controls)
        with write_lock, store.session() as session:
            piece, created = add_piece(
                session,
                cand.score,
                source="generated",
                tags=sorted(set(tags)),
                title=f"{plan.title}" + (f" #{i + 1}" if count > 1 else ""),
                fmt=".mid",
                file_data=paths["mid"].read_bytes(),
                controls=controls,
            )
            if created:
                piece.owner_id = owner_id
                piece.features = {
                    "version": FEATURES_VERSION,
                    "values": {k: (None if math.isnan(v) else v) for k, v in values.items()},
                }
            piece_id = piece.id
        with write_lock:
            register_composition(single, paths, piece_id, store)
        made.append(
            {
                "piece_id": piece_id,
                "rank": i + 1,
                "total": round(cand.total, 4),
                "components": controls["components"],
                "summary": summary,
                "files": {k: f"/api/pieces/{piece_id}/files/{k}" for k in rel},
            }
        )
    return made
