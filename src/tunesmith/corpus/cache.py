"""Compact cache of a parsed collection: one ``<name>.npz`` per collection.

Layout of the .npz (all pieces of a collection concatenated, so a whole collection loads with one
read and no per-piece Python objects until a Score is asked for):

- ``pitch`` uint8, ``velocity`` uint8, ``track`` uint8: one entry per note.
- ``start`` int32: note onset in ticks (TICKS_PER_QUARTER PPQ), stored as the difference to the
  previous note's onset within the piece (the first note keeps its absolute onset). Differences are
  small and repetitive, so they compress ~3x better than absolute ticks.
- ``duration`` int32: ticks.
- ``offsets`` int64: piece ``i`` owns notes ``offsets[i]:offsets[i+1]``.
- ``meta``: uint8 bytes of a UTF-8 JSON document: format version, collection, and per piece its
  source path, index in that file, title, tags, tracks, tempos, time/key signatures, chord symbols,
  sections and summary numbers; and per source file its sha256, so a rebuild re-parses only files
  whose content changed.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.errors import CorruptFileError
from tunesmith.fileutil import write_bytes_atomic
from tunesmith.score import (
    ChordSymbol,
    KeySignature,
    Metadata,
    Note,
    Score,
    Section,
    TempoChange,
    TimeSignature,
    Track,
)

FORMAT_VERSION = 1
"""Bump when the layout changes; caches of another version are ignored and rebuilt."""

NOTE_COLUMNS = ("pitch", "start", "duration", "velocity", "track")
_DTYPES: dict[str, type[np.generic]] = {
    "pitch": np.uint8, "start": np.int32, "duration": np.int32, "velocity": np.uint8, "track": np.uint8,
}
MAX_TRACKS = 255


@dataclass
class PieceData:
    """One parsed piece in cache form: note columns plus a JSON-able metadata dict."""

    notes: dict[str, npt.NDArray[Any]]
    meta: dict[str, Any]

    @property
    def note_count(self) -> int:
        return len(self.notes["pitch"])


@dataclass
class FileEntry:
    """What one source file produced: its hash, its pieces and the pieces it had to skip."""

    path: str
    sha256: str
    pieces: list[PieceData] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


def encode_score(score: Score) -> PieceData:
    """Score -> cache form. Raises ValueError when the score cannot be stored compactly."""
    if len(score.tracks) > MAX_TRACKS:
        raise ValueError(f"{len(score.tracks)} tracks (the cache holds at most {MAX_TRACKS})")
    rows = [
        (n.pitch, n.start, n.duration, n.velocity, ti)
        for ti, t in enumerate(score.tracks)
        for n in t.notes
    ]
    rows.sort(key=lambda r: (r[1], r[4], r[0]))
    table = np.array(rows, dtype=np.int64).reshape(-1, 5)
    if len(table) and (table[:, 0].min() < 0 or table[:, 0].max() > 127 or table[:, 1].min() < 0):
        raise ValueError("note pitch outside 0-127 or negative onset")
    if len(table) and (table[:, 2].min() <= 0 or table[:, 3].min() < 1 or table[:, 3].max() > 127):
        raise ValueError("note with zero duration or velocity outside 1-127")
    starts = table[:, 1].copy()
    if len(starts):
        starts[1:] = np.diff(starts)
    notes: dict[str, npt.NDArray[Any]] = {
        "pitch": table[:, 0].astype(np.uint8),
        "start": starts.astype(np.int32),
        "duration": table[:, 2].astype(np.int32),
        "velocity": table[:, 3].astype(np.uint8),
        "track": table[:, 4].astype(np.uint8),
    }
    md = score.metadata
    key = score.key_signatures[0] if score.key_signatures else None
    meter = score.time_signatures[0] if score.time_signatures else None
    meta: dict[str, Any] = {
        "title": md.title,
        "composer": md.composer,
        "source": md.source,
        "licence": md.licence,
        "mood": md.mood,
        "tags": list(md.style_tags),
        "tracks": [[t.name, t.program, t.is_drum] for t in score.tracks],
        "tempos": [[t.tick, t.bpm] for t in score.tempos],
        "time_signatures": [[t.tick, t.numerator, t.denominator] for t in score.time_signatures],
        "key_signatures": [[k.tick, k.fifths, k.mode] for k in score.key_signatures],
        "chords": [[c.tick, c.figure] for c in score.chords],
        "sections": [[s.start, s.end, s.label] for s in score.sections],
        # Summary numbers, so listings and filters never decode notes.
        "key": f"{key.fifths}:{key.mode}" if key else "",
        "meter": str(meter) if meter else "",
        "tempo": score.tempos[0].bpm if score.tempos else None,
        "bars": score.bar_count(),
        "seconds": round(score.duration_seconds(), 3),
        "note_count": len(table),
    }
    return PieceData(notes, meta)


def decode_score(notes: dict[str, npt.NDArray[Any]], meta: dict[str, Any]) -> Score:
    """Cache form -> Score (``notes`` columns sliced to one piece, ``start`` still delta-coded)."""
    tracks = [Track(name=str(n), program=int(p), is_drum=bool(d)) for n, p, d in meta["tracks"]]
    starts = np.cumsum(notes["start"].astype(np.int64))
    pitch = notes["pitch"].tolist()
    dur = notes["duration"].tolist()
    vel = notes["velocity"].tolist()
    trk = notes["track"].tolist()
    for i, s in enumerate(starts.tolist()):
        tracks[trk[i]].notes.append(Note(pitch[i], s, dur[i], vel[i]))
    return Score(
        tracks=tracks,
        tempos=[TempoChange(int(t), float(b)) for t, b in meta["tempos"]],
        time_signatures=[TimeSignature(int(t), int(n), int(d)) for t, n, d in meta["time_signatures"]],
        key_signatures=[KeySignature(int(t), int(f), str(m)) for t, f, m in meta["key_signatures"]],
        chords=[ChordSymbol(int(t), str(f)) for t, f in meta["chords"]],
        sections=[Section(int(s), int(e), str(label)) for s, e, label in meta["sections"]],
        metadata=Metadata(
            title=meta["title"],
            composer=meta["composer"],
            source=meta["source"],
            licence=meta["licence"],
            style_tags=list(meta["tags"]),
            mood=meta["mood"],
        ),
    )


def write_collection(path: Path, collection: str, files: list[FileEntry]) -> int:
    """Write the collection's .npz atomically; returns the number of pieces written."""
    pieces: list[dict[str, Any]] = []
    file_rows: list[dict[str, Any]] = []
    columns: dict[str, list[npt.NDArray[Any]]] = {c: [] for c in NOTE_COLUMNS}
    offsets = [0]
    for entry in files:
        first = len(pieces)
        for piece in entry.pieces:
            pieces.append(piece.meta)
            for c in NOTE_COLUMNS:
                columns[c].append(piece.notes[c])
            offsets.append(offsets[-1] + piece.note_count)
        file_rows.append(
            {"path": entry.path, "sha256": entry.sha256, "first": first, "count": len(pieces) - first,
             "skipped": entry.skipped}
        )
    doc = {"version": FORMAT_VERSION, "collection": collection, "files": file_rows, "pieces": pieces}
    arrays: dict[str, npt.NDArray[Any]] = {
        c: (np.concatenate(columns[c]) if columns[c] else np.zeros(0, _DTYPES[c])).astype(_DTYPES[c])
        for c in NOTE_COLUMNS
    }
    arrays["offsets"] = np.asarray(offsets, dtype=np.int64)
    arrays["meta"] = np.frombuffer(json.dumps(doc, separators=(",", ":")).encode("utf-8"), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    write_bytes_atomic(path, buffer.getvalue())
    return len(pieces)


@dataclass
class CollectionArrays:
    """A loaded collection file: note columns for all pieces, offsets, and the JSON document."""

    path: Path
    notes: dict[str, npt.NDArray[Any]]
    offsets: npt.NDArray[np.int64]
    doc: dict[str, Any]

    def piece_notes(self, i: int) -> dict[str, npt.NDArray[Any]]:
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        return {c: self.notes[c][lo:hi] for c in NOTE_COLUMNS}

    def file_entries(self) -> dict[str, FileEntry]:
        """Per source path, the entry (with its pieces) this file was built from: reused by rebuilds."""
        out: dict[str, FileEntry] = {}
        for row in self.doc["files"]:
            entry = FileEntry(row["path"], row["sha256"], skipped=list(row["skipped"]))
            for i in range(row["first"], row["first"] + row["count"]):
                entry.pieces.append(PieceData(self.piece_notes(i), self.doc["pieces"][i]))
            out[row["path"]] = entry
        return out


def read_collection(path: Path) -> CollectionArrays:
    """Load a collection file; CorruptFileError if it is unreadable or of another format version."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            notes = {c: npz[c] for c in NOTE_COLUMNS}
            offsets = npz["offsets"]
            doc = json.loads(npz["meta"].tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        problem = f"unreadable corpus cache ({err}); run `tunesmith corpus build`"
        raise CorruptFileError(path, problem) from err
    if doc.get("version") != FORMAT_VERSION:
        raise CorruptFileError(path, f"corpus cache format {doc.get('version')}, expected {FORMAT_VERSION}")
    if len(offsets) != len(doc["pieces"]) + 1:
        raise CorruptFileError(path, "corpus cache offsets do not match its piece list")
    return CollectionArrays(path, notes, offsets, doc)
