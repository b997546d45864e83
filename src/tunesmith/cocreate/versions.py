"""Versions in the store: a revised piece is recorded as a child of the piece it came from, with
the revision steps that made it, so a piece's history is a tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunesmith.cocreate.revise import Version
from tunesmith.errors import NotFoundError
from tunesmith.score import Score
from tunesmith.store import open_store
from tunesmith.store.models import Piece, PieceVersion
from tunesmith.store.pieces import add_piece


def _add(session: Any, score: Score, version: Version, paths: dict[str, Path] | None) -> Any:
    plan = version.plan
    tags = sorted({plan.style.name, plan.key.name, str(plan.meter), f"model:{plan.model}",
                   *(["revised"] if version.steps else [])})  # fmt: skip
    midi = (paths or {}).get("mid")
    controls = {
        "request": version.request.to_dict(),
        "model_versions": version.model_versions,
        "revisions": [s.to_dict() for s in version.steps],
        "files": {k: str(v) for k, v in (paths or {}).items()},
    }
    piece, _ = add_piece(
        session, score, source="generated", tags=tags, title=plan.title,
        path=str(midi) if midi else None, fmt=".mid" if midi else None,
        file_data=midi.read_bytes() if midi else None, controls=controls,
    )  # fmt: skip
    return piece


def record_revision(parent: Version, child: Version, paths: dict[str, Path] | None = None) -> tuple[int, int]:
    """Store ``child`` (and ``parent`` when it is not stored yet) and link them; (child id, parent id)."""
    with open_store() as store, store.session() as session:
        parent_piece = _add(session, parent.score, parent, None)
        child_piece = _add(session, child.score, child, paths)
        session.flush()
        existing = session.query(PieceVersion).filter_by(piece_id=child_piece.id).one_or_none()
        if existing is None and child_piece.id != parent_piece.id:
            session.add(PieceVersion(piece_id=child_piece.id, parent_id=parent_piece.id,
                                     steps=[s.to_dict() for s in child.steps]))  # fmt: skip
        return child_piece.id, parent_piece.id


def version_tree(session: Any, piece_id: int) -> dict[str, Any]:
    """The tree of versions that ``piece_id`` belongs to, from its root: {id, title, steps,
    children: [...]}; NotFoundError for an unknown piece."""
    if session.get(Piece, piece_id) is None:
        raise NotFoundError(f"no piece {piece_id}")
    parent_of = {v.piece_id: v for v in session.query(PieceVersion).all()}
    root, seen = piece_id, {piece_id}
    while (
        root in parent_of and parent_of[root].parent_id is not None and parent_of[root].parent_id not in seen
    ):
        root = parent_of[root].parent_id
        seen.add(root)
    children: dict[int, list[int]] = {}
    for v in parent_of.values():
        if v.parent_id is not None:
            children.setdefault(v.parent_id, []).append(v.piece_id)

    def node(pid: int, depth: int) -> dict[str, Any]:
        piece = session.get(Piece, pid)
        link = parent_of.get(pid)
        return {
            "id": pid,
            "title": piece.title if piece is not None else "",
            "steps": link.steps if link is not None else [],
            "children": [node(c, depth + 1) for c in sorted(children.get(pid, []))] if depth < 64 else [],
        }

    return node(root, 0)
