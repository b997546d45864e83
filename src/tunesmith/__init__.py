"""tunesmith: AI music composition that runs on a laptop CPU.

The Python API: ``compose_piece``, ``render_to_array``, ``load`` and ``save``; heavy modules are
imported only when their functions are called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tunesmith.io import load as _load
from tunesmith.io import save as _save

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pathlib import Path

    from tunesmith.score import Score


def load(path: str | Path) -> list[Score]:
    """Read a MIDI, MusicXML or ABC file into Scores (an ABC file may hold many tunes)."""
    return _load(path)


def save(score: Score, path: str | Path) -> None:
    """Write ``score`` to ``path`` in the format its suffix names."""
    _save(score, path)


if TYPE_CHECKING:
    from tunesmith.render.piece import compose_piece, render_to_array

__all__ = ["__version__", "compose_piece", "load", "render_to_array", "save"]


def __getattr__(name: str) -> Any:
    # compose_piece and render_to_array pull the composer and the renderer (numpy, ~0.5 s): loaded
    # on first use, so `import tunesmith` (and the CLI's start-up) stays light.
    if name in ("compose_piece", "render_to_array"):
        from tunesmith.render import piece

        return getattr(piece, name)
    raise AttributeError(f"module 'tunesmith' has no attribute {name!r}")
