"""Co-creation: keep what you like, regenerate the rest.

An application layer above tunesmith.compose: :mod:`infill` regenerates a span of a melody so it
fits the bars around it, :mod:`revise` turns a composed piece (its JSON) into a new version with
some bars of some tracks regenerated and everything else kept note for note, :mod:`versions`
records versions as a tree in the store.
"""

from __future__ import annotations

from pathlib import Path

from tunesmith.cocreate.revise import Step, Version, load_version, read_piece_json, revise
from tunesmith.cocreate.splice import write_version_files
from tunesmith.cocreate.versions import record_revision
from tunesmith.render.piece import check_formats


def revise_to_files(
    piece_json: str | Path,
    step: Step | None,
    out_dir: str | Path,
    *,
    formats: tuple[str, ...] | list[str] = ("wav", "mid", "musicxml", "png", "json"),
    soundfont: str | Path | None = None,
    record: bool = True,
) -> tuple[Version, dict[str, Path]]:
    """Replay ``piece_json``, apply ``step``, write the new version like compose does (its JSON is
    the parent's plus the revision steps) and record it as a child of the parent in the store.
    ``step`` None replays the JSON as it is (a revised piece, note for note) and records nothing new."""
    check_formats(formats)
    parent = load_version(read_piece_json(piece_json), str(piece_json))
    child = parent if step is None else revise(parent, step)
    # compose and revise write the audio beside the JSON: only the changed bars are rendered again
    beside = Path(piece_json).with_suffix(".wav")
    audio = beside if step is not None and beside.is_file() else None
    paths = write_version_files(
        child, parent, list(formats), Path(out_dir), soundfont, audio, str(piece_json)
    )
    if record and step is not None:
        record_revision(parent, child, paths)
    return child, paths


__all__ = ["Step", "Version", "load_version", "read_piece_json", "revise", "revise_to_files"]
