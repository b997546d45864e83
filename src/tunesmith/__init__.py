"""tunesmith: AI music composition that runs on a laptop CPU.

The Python API lives here; heavy modules are imported only when their functions are called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pathlib import Path

    from tunesmith.score import Score


def load(path: str | Path) -> list[Score]:
    """Read a MIDI, MusicXML or ABC file into Scores (an ABC file may hold many tunes)."""
    from tunesmith.io import load as _load

    return _load(path)


def save(score: Score, path: str | Path) -> None:
    """Write ``score`` to ``path`` in the format its suffix names."""
    from tunesmith.io import save as _save

    _save(score, path)


if TYPE_CHECKING:
    from tunesmith.compose import compose_piece as compose
    from tunesmith.render import render_to_array as render
else:
    # Both packages are callable (their functions' typed keywords), because importing any of their
    # submodules rebinds tunesmith.compose / tunesmith.render to the package (see their docstrings).
    from tunesmith import compose as compose
    from tunesmith import render as render


def __getattr__(name: str) -> Any:
    raise AttributeError(f"module 'tunesmith' has no attribute {name!r}")
