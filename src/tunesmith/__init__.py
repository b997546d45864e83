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


def compose(out_dir: str | Path | None = None, **kwargs: Any) -> Composition:
    """Compose a piece from controls (style=, mood=, key=, tempo=, seed=, ...); with ``out_dir`` also
    write its files (formats=, stems=, soundfont=). Returns the Composition (.score, .candidates,
    .files). See tunesmith.compose.compose_piece for every argument."""
    from tunesmith.compose import compose_piece

    return compose_piece(out_dir, **kwargs)


def __getattr__(name: str) -> Any:
    raise AttributeError(f"module 'tunesmith' has no attribute {name!r}")
