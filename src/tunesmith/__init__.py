"""tunesmith: AI music composition that runs on a laptop CPU.

The Python API lives here; heavy modules are imported only when their functions are called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pathlib import Path

    from tunesmith.compose.api import Composition
    from tunesmith.score import Score


def load(path: str | Path) -> list[Score]:
    """Read a MIDI, MusicXML or ABC file into Scores (an ABC file may hold many tunes)."""
    from tunesmith.io import load as _load

    return _load(path)


def save(score: Score, path: str | Path) -> None:
    """Write ``score`` to ``path`` in the format its suffix names."""
    from tunesmith.io import save as _save

    _save(score, path)


def compose(out_dir: str | Path | None = None, *, formats: tuple[str, ...] | list[str] | None = None,
            stems: bool = False, soundfont: str | Path | None = None, record: bool = True,
            **controls: Any) -> Composition:
    """Compose a piece from controls (the fields of tunesmith.compose.request.ComposeRequest:
    style, mood, valence, arousal, key, mode, tempo, meter, bars, seconds, form, chords, primer,
    instruments, model, temperature, candidates, seed, ...). With ``out_dir`` the files are written
    too (``formats`` default: wav, mid, musicxml, png, json). Returns the Composition: ``.score`` is
    the best piece, ``.candidates`` all of them ranked, ``.files`` the paths written."""
    from tunesmith.compose.api import DEFAULT_FORMATS, write_files
    from tunesmith.compose.api import compose as _compose
    from tunesmith.compose.request import ComposeRequest

    composition = _compose(ComposeRequest.from_dict(controls))
    if out_dir is not None:
        write_files(
            composition, out_dir, formats=formats or DEFAULT_FORMATS, stems=stems, soundfont=soundfont,
            record=record,
        )
    return composition


def __getattr__(name: str) -> Any:
    raise AttributeError(f"module 'tunesmith' has no attribute {name!r}")
