"""The user's own library: import music files into the store, with tags.

Each piece keeps a copy of its source bytes in the store (for ABC, the text of its own tune), so it
survives the original file being moved or deleted. Pieces are deduplicated by content hash: importing
the same music again adds only the new tags. A file that cannot be read is reported and skipped; in an
ABC file each tune is parsed on its own, so one malformed tune does not lose its neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tunesmith.corpus.abcsplit import abc_field, split_abc
from tunesmith.errors import InputFileError, NotFoundError, TunesmithError
from tunesmith.io import READ_SUFFIXES, loads
from tunesmith.score import Score
from tunesmith.store.pieces import (
    add_piece,
    add_tags,
    content_hash,
    find_by_hash,
    find_corpus_piece,
    normalise_tag,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tunesmith.corpus.load import Corpus
    from tunesmith.store.db import Store
    from tunesmith.store.models import Piece


@dataclass(frozen=True)
class Imported:
    piece_id: int
    title: str
    path: str
    new: bool
    """False when the same content was already in the store (then only new tags were added)."""
    tags_added: tuple[str, ...]


@dataclass
class ImportReport:
    imported: list[Imported] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(file or tune, one-line reason) for everything that could not be read."""

    @property
    def added(self) -> list[Imported]:
        return [i for i in self.imported if i.new]

    @property
    def duplicates(self) -> list[Imported]:
        return [i for i in self.imported if not i.new]


def music_files(paths: Sequence[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to import: each file given, and every readable music file under each folder (recursive).

    Returns (files, problems): a path that does not exist is a problem; a file given by name with an
    unknown suffix is passed on (the reader reports it); inside folders other files are ignored.
    """
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READ_SUFFIXES)
            if not found:
                problems.append((str(path), f"folder holds no music files ({', '.join(READ_SUFFIXES)})"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append((str(path), "no such file or folder"))
    return list(dict.fromkeys(files)), problems


def read_pieces(path: Path) -> tuple[list[tuple[Score, bytes, str]], list[tuple[str, str]]]:
    """Pieces of one file as (score, bytes to keep, label), and the (label, reason) of failures."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return [], [(str(path), f"cannot read ({err.strerror or err})")]
    suffix = path.suffix.lower()
    if suffix != ".abc":
        try:
            scores = loads(data, suffix, path)
        except TunesmithError as err:
            return [], [(str(path), _problem(err))]
        for score in scores:
            score.metadata.title = score.metadata.title or path.stem
        return [(score, data, str(path)) for score in scores], []
    tunes = split_abc(data.decode("utf-8", errors="replace"))
    if not tunes:
        return [], [(str(path), "file is empty")]
    pieces: list[tuple[Score, bytes, str]] = []
    failed: list[tuple[str, str]] = []
    for i, tune in enumerate(tunes):
        label = f"{path}#{abc_field(tune, 'X') or i + 1}" if len(tunes) > 1 else str(path)
        raw = tune.encode("utf-8")
        try:
            score = loads(raw, ".abc", label)[0]
        except TunesmithError as err:
            failed.append((label, _problem(err)))
            continue
        if not score.metadata.title:
            score.metadata.title = f"{path.stem} #{i + 1}" if len(tunes) > 1 else path.stem
        pieces.append((score, raw, label))
    return pieces, failed


NO_NOTES = "holds no notes (a file with only headers, or note-ons without note-offs)"


def _problem(err: TunesmithError) -> str:
    return err.problem if isinstance(err, InputFileError) else str(err)


def import_paths(
    store: Store,
    paths: Sequence[str | Path],
    tags: Sequence[str] = (),
    on_file: Callable[[Path], None] | None = None,
) -> ImportReport:
    """Import files and folders into the store as library pieces tagged ``tags``.

    ``on_file`` is called before each file (for progress display).
    """
    clean_tags = [normalise_tag(t) for t in tags]  # bad tags fail before anything is written
    report = ImportReport()
    files, problems = music_files(paths)
    report.failed.extend(problems)
    for path in files:
        if on_file is not None:
            on_file(path)
        pieces, failed = read_pieces(path)
        report.failed.extend(failed)
        if not pieces:
            continue
        with store.session() as session:
            for score, raw, label in pieces:
                if not any(t.notes for t in score.tracks):  # header-only, or notes that never end
                    report.failed.append((label, NO_NOTES))
                    continue
                existing = find_by_hash(session, content_hash(score))
                if existing is not None:
                    added = add_tags(session, existing, clean_tags)
                    report.imported.append(Imported(existing.id, existing.title, label, False, tuple(added)))
                    continue
                piece, _ = add_piece(
                    session, score, source="library", tags=clean_tags, path=str(path.resolve()),
                    fmt=path.suffix.lower(), file_data=raw,
                )
                report.imported.append(Imported(piece.id, piece.title, label, True, tuple(piece.tag_names)))
    return report


def piece_score(piece: Piece) -> Score:
    """Re-read a stored piece from its kept copy (library pieces; generated ones that kept a file)."""
    if not piece.file_data or not piece.format:
        raise NotFoundError(f"piece {piece.id} has no stored file to read")
    return loads(piece.file_data, piece.format, f"piece {piece.id}")[0]


def store_corpus_piece(session: Session, corpus: Corpus, index: int, tags: Sequence[str] = ()) -> Piece:
    """The store row for corpus piece ``index`` (created on first use), so ratings can point at it."""
    info = corpus.pieces[index]
    piece = find_corpus_piece(session, info.ref)
    if piece is not None:
        add_tags(session, piece, tags)
        return piece
    piece, _ = add_piece(
        session, corpus[index], source="corpus", tags=[*info.tags, *tags], title=info.title,
        collection=info.collection, corpus_ref=info.ref,
    )
    if piece.corpus_ref is None:  # the same music was already in the library: link it to the corpus
        piece.corpus_ref, piece.collection = info.ref, info.collection
    return piece
